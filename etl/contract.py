"""The canonical entities of ../shared/DATA_CONTRACT.md as data: one place that every importer,
the validation SQL, the great-expectations suite and the staging DDL read from."""

from __future__ import annotations

from dataclasses import dataclass, field

# Logical column types and the DuckDB type each one is staged as.
SQL_TYPES: dict[str, str] = {
    "id": "VARCHAR",
    "text": "VARCHAR",
    "date": "DATE",
    "timestamp": "TIMESTAMPTZ",
    "money": "DECIMAL(18,4)",  # contract: at most 4 places
    "ratio": "DECIMAL(18,8)",  # fx rates, tax rates, utilization targets, markups
    "hours": "DECIMAL(12,4)",
    "int": "INTEGER",
    "bool": "BOOLEAN",
    "currency": "VARCHAR",
    "enum": "VARCHAR",
}

MAX_ENTRY_HOURS = 24


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool = False
    default: str | None = None  # applied in staging when the cell is empty
    choices: tuple[str, ...] = ()  # for type "enum"
    ref: str | None = None  # "entity.column" that a non-empty value must exist in
    non_negative: bool = False

    @property
    def sql_type(self) -> str:
        return SQL_TYPES[self.type]


@dataclass(frozen=True)
class Entity:
    name: str  # staging table name
    file: str  # file name inside a canonical folder
    key: tuple[str, ...]  # upsert key (the id, or a natural key for id-less files)
    columns: tuple[Column, ...] = field(default_factory=tuple)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _c(name: str, type_: str = "text", **kw) -> Column:
    return Column(name, type_, **kw)


BOOL_TRUE = ("true", "t", "yes", "y", "1")
BOOL_FALSE = ("false", "f", "no", "n", "0")

CLIENTS = Entity(
    "clients",
    "clients.csv",
    ("client_id",),
    (
        _c("client_id", "id", required=True),
        _c("name", required=True),
        _c("currency", "currency", required=True),
        _c("payment_terms_days", "int", default="30", non_negative=True),
        _c("tax_rate", "ratio", default="0", non_negative=True),
        _c("billing_email"),
        _c("status", "enum", default="active", choices=("active", "inactive", "internal")),
        _c("billing_address"),  # optional, ours (docs/import.md): the invoice's bill-to address
    ),
)

PEOPLE = Entity(
    "people",
    "people.csv",
    ("person_id",),
    (
        _c("person_id", "id", required=True),
        _c("name", required=True),
        _c("role", required=True),
        _c("email"),
        _c("team"),
        _c("manager_id", "id"),
        _c("employment", "enum", default="employee", choices=("employee", "contractor")),
        _c("weekly_capacity_hours", "hours", default="40", non_negative=True),
        _c("cost_rate", "money", non_negative=True),
        _c("target_utilization", "ratio", default="0.75", non_negative=True),
        _c("start_date", "date"),
        _c("end_date", "date"),
    ),
)

PROJECTS = Entity(
    "projects",
    "projects.csv",
    ("project_id",),
    (
        _c("project_id", "id", required=True),
        _c("name", required=True),
        _c("client_id", "id", ref="clients.client_id"),
        _c("code"),
        _c("contract_id", "id"),
        _c("status", "enum", default="active", choices=("active", "on_hold", "completed")),
        _c("budget_hours", "hours", non_negative=True),
        _c("budget_amount", "money", non_negative=True),
        _c("start_date", "date"),
        _c("end_date", "date"),
        _c("manager_id", "id", ref="people.person_id"),
    ),
)

SOW_LINES = Entity(
    "sow_lines",
    "sow_lines.csv",
    ("sow_line_id",),
    (
        _c("sow_line_id", "id", required=True),
        _c("project_id", "id", required=True, ref="projects.project_id"),
        _c("code", required=True),
        _c("description", required=True),
        _c("billable", "bool", default="true"),
        _c("phase"),
    ),
)

RATES = Entity(
    "rates",
    "rates.csv",
    ("contract_id", "project_id", "person_id", "role", "effective_from"),
    (
        _c("contract_id", "id", required=True, ref="contracts.contract_id"),
        _c("rate", "money", required=True, non_negative=True),
        _c("effective_from", "date", required=True),
        _c("project_id", "id", ref="projects.project_id"),
        _c("person_id", "id", ref="people.person_id"),
        _c("role"),
        _c("effective_to", "date"),
        _c("currency", "currency"),
    ),
)

TIME_ENTRIES = Entity(
    "time_entries",
    "time_entries.csv",
    ("entry_id",),
    (
        _c("entry_id", "id", required=True),
        _c("person_id", "id", required=True, ref="people.person_id"),
        _c("date", "date", required=True),
        _c("hours", "hours", required=True, non_negative=True),
        _c("project_id", "id", ref="projects.project_id"),
        _c("sow_line_id", "id", ref="sow_lines.sow_line_id"),
        _c("notes"),
        _c("billable", "bool"),
        _c("work_type", "enum", choices=("standard", "rush")),
        _c("source"),
        _c("source_id"),
        _c("submitted_at", "timestamp"),
        _c("approved_at", "timestamp"),
        _c("approved_by"),
        _c("invoice_id", "id"),
        _c("locked", "bool", default="false"),
    ),
)

EXPENSES = Entity(
    "expenses",
    "expenses.csv",
    ("expense_id",),
    (
        _c("expense_id", "id", required=True),
        _c("person_id", "id", required=True, ref="people.person_id"),
        _c("date", "date", required=True),
        _c("amount", "money", required=True),
        _c("currency", "currency", required=True),
        _c("description", required=True),
        _c("vendor"),
        _c("project_id", "id", ref="projects.project_id"),
        _c("billable", "bool"),
        _c("receipt_ref"),
        _c("split"),
        _c("invoice_id", "id"),
        _c("approved_at", "timestamp"),
    ),
)

MILESTONES = Entity(
    "milestones",
    "milestones.csv",
    ("milestone_id",),
    (
        _c("milestone_id", "id", required=True),
        _c("project_id", "id", required=True, ref="projects.project_id"),
        _c("name", required=True),
        _c("amount", "money", required=True, non_negative=True),
        _c("due_date", "date", required=True),
        _c("status", "enum", default="planned", choices=("planned", "complete", "accepted")),
        _c("completed_on", "date"),
        _c("accepted_on", "date"),
        _c("planned_hours", "hours", non_negative=True),
        _c("invoice_id", "id"),
    ),
)

INVOICES = Entity(
    "invoices",
    "invoices.csv",
    ("invoice_id",),
    (
        _c("invoice_id", "id", required=True),
        _c("client_id", "id", required=True, ref="clients.client_id"),
        _c("issue_date", "date", required=True),
        _c("due_date", "date", required=True),
        _c("currency", "currency", required=True),
        _c("total", "money", required=True),
        _c("number"),
        _c("contract_id", "id", ref="contracts.contract_id"),
        _c("status", "enum", default="sent", choices=("draft", "sent", "paid", "void")),
        _c("po_number"),
        _c("sent_at", "timestamp"),
        _c("kind", "enum", default="invoice", choices=("invoice", "credit_memo")),
        _c("credits_invoice_id", "id", ref="invoices.invoice_id"),
        _c("period_start", "date"),
        _c("period_end", "date"),
    ),
)

INVOICE_LINES = Entity(
    "invoice_lines",
    "invoice_lines.csv",
    ("invoice_id", "line_no"),
    (
        _c("invoice_id", "id", required=True, ref="invoices.invoice_id"),
        _c("line_no", "int", required=True, non_negative=True),
        _c("amount", "money", required=True),
        _c(
            "kind",
            "enum",
            choices=(
                "time",
                "rush",
                "discount",
                "cap_adjustment",
                "retainer_fee",
                "overage",
                "fixed_fee",
                "milestone",
                "expense",
                "credit",
            ),
        ),
        _c("description"),
        _c("quantity", "hours"),
        _c("unit_price", "money"),
        _c("project_id", "id", ref="projects.project_id"),
        _c("person_id", "id", ref="people.person_id"),
        _c("entry_ids"),
    ),
)

PAYMENTS = Entity(
    "payments",
    "payments.csv",
    ("payment_id",),
    (
        _c("payment_id", "id", required=True),
        _c("client_id", "id", required=True, ref="clients.client_id"),
        _c("date", "date", required=True),
        _c("amount", "money", required=True, non_negative=True),  # a refund is not a payment
        _c("currency", "currency", required=True),
        _c("reference"),
        _c("invoice_id", "id"),
    ),
)

CALENDAR_EVENTS = Entity(
    "calendar_events",
    "calendar_events.csv",
    ("event_id",),
    (
        _c("event_id", "id", required=True),
        _c("person_id", "id", required=True, ref="people.person_id"),
        _c("start", "timestamp", required=True),
        _c("end", "timestamp", required=True),
        _c("title", required=True),
        _c("external_attendees", "int", default="0", non_negative=True),
        _c("client_id", "id", ref="clients.client_id"),
        _c("status"),
    ),
)

TIME_OFF = Entity(
    "time_off",
    "time_off.csv",
    ("person_id", "date", "kind"),
    (
        _c("person_id", "id", required=True, ref="people.person_id"),
        _c("date", "date", required=True),
        _c("hours", "hours", required=True, non_negative=True),
        _c("kind", "enum", default="pto", choices=("pto", "holiday", "sick")),
    ),
)

FX_RATES = Entity(
    "fx_rates",
    "fx_rates.csv",
    ("date", "currency"),
    (
        _c("date", "date", required=True),
        _c("currency", "currency", required=True),
        _c("rate_to_base", "ratio", required=True, non_negative=True),
    ),
)

# Load order: a referenced entity always loads before the entities that reference it.
# Contracts (from contracts.yaml) load between projects and the rate card.
CSV_ENTITIES: tuple[Entity, ...] = (
    CLIENTS,
    PEOPLE,
    PROJECTS,
    SOW_LINES,
    RATES,
    MILESTONES,
    INVOICES,
    INVOICE_LINES,
    TIME_ENTRIES,
    EXPENSES,
    PAYMENTS,
    CALENDAR_EVENTS,
    TIME_OFF,
    FX_RATES,
)

ENTITIES: dict[str, Entity] = {e.name: e for e in CSV_ENTITIES}

BILLING_TYPES = ("fixed_fee", "milestone", "time_and_materials", "retainer")

# contracts.yaml, flattened to one row per contract (workstreams go to contract_workstreams).
CONTRACTS = Entity(
    "contracts",
    "contracts.yaml",
    ("contract_id",),
    (
        _c("contract_id", "id", required=True),
        _c("client_id", "id", required=True, ref="clients.client_id"),
        _c("currency", "currency", required=True),
        _c("payment_terms_days", "int", non_negative=True),
        _c("po_number"),
        _c("po_limit", "money", non_negative=True),
        _c("po_alert_at", "ratio", non_negative=True),
        _c("rounding_increment_minutes", "int", non_negative=True),
        _c("rounding_mode", "enum", choices=("up", "nearest")),
        _c("late_fee_monthly_rate", "ratio", non_negative=True),
        _c("late_fee_grace_days", "int", non_negative=True),
        _c("expenses_billable", "bool"),
        _c("expenses_markup", "ratio", non_negative=True),
        _c("invoice_per", "enum", default="contract", choices=("contract", "project")),
        _c("terms"),
    ),
)

# firm.yaml: one row.
FIRM = Entity(
    "firm",
    "firm.yaml",
    ("name",),
    (
        _c("name", required=True),
        _c("base_currency", "currency", required=True),
        _c("timezone"),
        _c(
            "week_starts",
            "enum",
            default="mon",
            choices=("mon", "tue", "wed", "thu", "fri", "sat", "sun"),
        ),
        _c("timesheet_deadline"),
        _c("fiscal_year_start"),
        _c("holidays_country"),
        # optional, ours (docs/import.md): printed on the invoice PDF
        _c("address"),
        _c("remittance"),
    ),
)
