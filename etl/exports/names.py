"""Names and ids for people, clients and projects found in exports: the keys that
match a name to what the warehouse already knows, and stable ids for new ones."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

UNKNOWN_ROLE = "Unknown"


@lru_cache(maxsize=65536)
def name_key(text: str | None) -> str:
    """How names are matched: case-insensitive, whitespace collapsed."""
    return " ".join((text or "").split()).casefold()


def clean(text: str | None) -> str:
    return " ".join((text or "").split())


@dataclass
class KnownNames:
    """What the warehouse already has, so an export reuses ids instead of duplicating entities."""

    clients: dict[str, str] = field(default_factory=dict)  # name -> client_id
    projects: dict[tuple[str, str], str] = field(default_factory=dict)  # (client_id, name) -> id
    project_codes: dict[str, str] = field(default_factory=dict)  # code -> project_id
    people: dict[str, str] = field(default_factory=dict)  # email -> person_id
    people_by_name: dict[str, str] = field(default_factory=dict)  # full name -> person_id
    sow_lines: dict[tuple[str, str], str] = field(default_factory=dict)  # (project_id, task) -> id
    default_currency: str = "USD"  # for new clients when the export names none
    person_emails: dict[str, str] = field(default_factory=dict)  # person_id -> email

    def __post_init__(self) -> None:
        self.clients = {name_key(k): v for k, v in self.clients.items()}
        self.projects = {(c or "", name_key(n)): v for (c, n), v in self.projects.items()}
        self.project_codes = {name_key(k): v for k, v in self.project_codes.items()}
        self.people = {k.strip().lower(): v for k, v in self.people.items()}
        self.people_by_name = {name_key(k): v for k, v in self.people_by_name.items()}
        self.sow_lines = {(p, name_key(t)): v for (p, t), v in self.sow_lines.items()}
        emails = {v: k for k, v in self.people.items()}
        self.person_emails = emails | {k: v.strip().lower() for k, v in self.person_emails.items()}
        self.ids = {
            "clients": set(self.clients.values()),
            "projects": set(self.projects.values()) | set(self.project_codes.values()),
            "people": set(self.people.values()) | set(self.people_by_name.values()),
            "sow_lines": set(self.sow_lines.values()),
        }

    @classmethod
    def from_duckdb(cls, con) -> KnownNames:
        """Reads the staging tables; a table that does not exist yet contributes nothing."""
        clients = _rows(con, "clients", ("client_id", "name"))
        projects = _rows(con, "projects", ("project_id", "client_id", "name", "code"))
        people = _rows(con, "people", ("person_id", "name", "email"))
        sow = _rows(con, "sow_lines", ("sow_line_id", "project_id", "code", "description"))
        firm = _rows(con, "firm", ("base_currency",))
        sow_lines = {(p, d): i for i, p, _, d in sow if p and d}
        sow_lines |= {(p, c): i for i, p, c, _ in sow if p and c}  # a task named like a code wins
        return cls(
            clients={n: i for i, n in clients if n},
            projects={(c or "", n): i for i, c, n, _ in projects if n},
            project_codes={c: i for i, _, _, c in projects if c},
            people={e: i for i, _, e in people if e},
            people_by_name={n: i for i, n, _ in people if n},
            sow_lines=sow_lines,
            default_currency=next((c for (c,) in firm if c), "USD"),
            person_emails={i: e for i, _, e in people if e},
        )


def _rows(con, table: str, columns: tuple[str, ...]) -> list[tuple]:
    have = {
        r[0]
        for r in con.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_name = ? AND table_schema = current_schema()",
            [table],
        ).fetchall()
    }
    if not set(columns) <= have:
        return []
    cols = ", ".join(f'CAST("{c}" AS VARCHAR)' for c in columns)
    return con.execute(f'SELECT {cols} FROM "{table}"').fetchall()


def slug(text: str, max_len: int = 60) -> str:
    """ASCII, lower case, dashes; never contains '--', so '--' can join slugs unambiguously."""
    ascii_text = unicodedata.normalize("NFKD", text.casefold()).encode("ascii", "ignore").decode()
    s = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    digest = hashlib.sha1(name_key(text).encode()).hexdigest()[:8]
    if not s:
        return f"x{digest}"
    if len(s) > max_len:
        return f"{s[: max_len - 9].rstrip('-')}-{digest}"
    return s


def entity_id(source: str, kind: str, *names: str) -> str:
    """E.g. `harvest-client-acme-corp`, `harvest-project-acme-corp--website` (client--project)."""
    return f"{source}-{kind}-" + "--".join(slug(n) for n in names if clean(n))


def entry_digest(parts: tuple[str, ...]) -> str:
    return hashlib.sha1("\x1f".join(parts).encode()).hexdigest()[:16]
