"""The roles and what each may do: the one file that says who may write what.

Every write function of billing/, billing/ar/, rules/ and the exception queue names the
permission it needs (guard.require); pages only grey out what the signed-in person lacks.
Reading the pages needs a sign-in and no permission: leadership reads KPIs, the others
read what they work on. Admin manages people, connectors and settings and, by itself, may
not approve or send anything (segregation of duties): give a person two roles when one person
must do both."""

from __future__ import annotations

from dataclasses import dataclass

# permission -> what a refusal says the person may not do
PERMISSIONS: dict[str, str] = {
    "read_kpis": "read the KPI pages",
    "read_audit": "read the audit log",
    "decide_exceptions": "decide exceptions and run the checks",
    "edit_drafts": "save or edit draft invoices",
    "approve_invoices": "approve invoices",
    "void_invoices": "void invoices",
    "push_to_accounting": "push invoices to the accounting system",
    "ar_notes": "record AR notes and payment promises",
    "ar_payments": "allocate payments and sync receivables",
    "send_reminders": "send payment reminders",
    "late_fees": "accrue, post or waive late fees",
    "write_off": "write off receivables",
    "import_data": "import data or run a connector sync",
    "manage_users": "manage users and roles",
    "manage_connectors": "manage connectors",
    "change_settings": "change settings",
}

ROLES: dict[str, frozenset[str]] = {
    "leadership": frozenset({"read_kpis", "read_audit"}),
    "operations": frozenset({"read_kpis", "decide_exceptions", "edit_drafts"}),
    "billing_approver": frozenset(
        {"read_kpis", "read_audit", "approve_invoices", "void_invoices", "push_to_accounting"}
    ),
    "ar": frozenset(
        {"read_kpis", "ar_notes", "ar_payments", "send_reminders", "late_fees", "write_off"}
    ),
    "admin": frozenset(
        {
            "read_kpis",
            "read_audit",
            "manage_users",
            "manage_connectors",
            "change_settings",
            "import_data",
        }
    ),
}
ROLE_LABELS = {
    "leadership": "Leadership",
    "operations": "Operations",
    "billing_approver": "Billing approver",
    "ar": "AR",
    "admin": "Admin",
}


def parse_roles(text: str | list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """'ar, operations' -> ('ar', 'operations'); ValueError naming an unknown role."""
    items = text.split(",") if isinstance(text, str) else list(text)
    roles = tuple(
        sorted(
            {
                r.strip().lower().replace("-", "_").replace(" ", "_")
                for r in items
                if r and r.strip()
            }
        )
    )
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise ValueError(f"unknown role {unknown[0]!r}: the roles are {', '.join(ROLES)}")
    return roles


@dataclass(frozen=True)
class Identity:
    """Who is signed in: the name every write records, the roles, and how they signed in
    ('local', 'oidc', 'demo')."""

    name: str
    roles: tuple[str, ...]
    source: str
    username: str = ""

    @property
    def permissions(self) -> frozenset[str]:
        return frozenset().union(*(ROLES.get(r, frozenset()) for r in self.roles))

    def can(self, permission: str) -> bool:
        return permission in self.permissions

    @property
    def roles_text(self) -> str:
        return ", ".join(ROLE_LABELS.get(r, r) for r in self.roles) or "no role"


def roles_with(permission: str) -> list[str]:
    """The roles that carry a permission, by their labels (for refusal messages)."""
    return [ROLE_LABELS[r] for r, perms in ROLES.items() if permission in perms]
