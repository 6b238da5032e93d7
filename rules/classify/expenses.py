"""Expenses without a project: configured split rules (one bill shared between projects),
vendor rules, then the vendors and splits the firm's approved expenses teach (a vendor always
booked to one project, or always split the same way, at least MIN_VENDOR_USES times), then a
project code or name in the description; billable follows the project (internal projects never
bill) unless a rule says otherwise. A rule naming a project the firm does not have is never
used (config.unknown_projects says which)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl

from rules.classify.config import ClassifyConfig, SplitRule, VendorRule, known_rules

TARGETS_SQL = """
SELECT expense_id, person_id, date, coalesce(description, '') AS description,
       coalesce(vendor, '') AS vendor, billable
FROM expenses
WHERE date <= ? AND nullif(trim(project_id), '') IS NULL AND nullif(trim(split), '') IS NULL
  AND invoice_id IS NULL
ORDER BY expense_id
"""
PROJECTS_SQL = """
SELECT p.project_id, p.code, p.name,
       (p.client_id IS NULL OR coalesce(c.status, '') = 'internal') AS is_internal
FROM projects p LEFT JOIN clients c ON c.client_id = p.client_id
ORDER BY p.project_id
"""
CONFIDENCE = {
    "split_rule": 0.99,
    "vendor_rule": 0.99,
    "learnt_split": 0.95,
    "learnt_vendor": 0.95,
    "project_code": 0.95,
    "project_name": 0.9,
}
MIN_VENDOR_USES = 2
HISTORY_SQL = (Path(__file__).parent / "sql" / "expense_history.sql").read_text()


def _parse_split(text: str) -> dict[str, int] | None:
    """`P-7:60;P-9:40` as {project: percent}, or None when it is not a whole-percent split."""
    try:
        parts = dict(p.split(":") for p in text.split(";") if p.strip())
        out = {k.strip(): int(Decimal(v.strip())) for k, v in parts.items()}
    except (ValueError, ArithmeticError):
        return None
    return out if out and sum(out.values()) == 100 else None


def learn_rules(con: duckdb.DuckDBPyConnection, as_of: date, projects: set[str]) -> tuple:
    """(vendor rules, split rules) learnt from approved expenses: a vendor booked at least
    MIN_VENDOR_USES times, always to the same existing project (billable as most of them were),
    or always split the same way. Split rules match on the vendor (SplitRule.match = vendor)."""
    frame = con.sql(HISTORY_SQL, params=[as_of]).pl()
    vendors, splits = [], []
    for (vendor,), rows in frame.group_by("vendor", maintain_order=True):
        targets = set(rows["project_id"].drop_nulls()) | set(rows["split"].drop_nulls())
        if rows.height < MIN_VENDOR_USES or len(targets) != 1:
            continue
        target = targets.pop()
        billable = rows["billable"].sum() * 2 >= rows.height
        if rows["split"][0] is not None:
            parsed = _parse_split(target)
            if parsed and set(parsed) <= projects:
                splits.append(SplitRule(vendor, parsed, billable))
        elif target in projects:
            vendors.append(VendorRule(vendor, target, billable))
    return tuple(vendors), tuple(splits)


def _share(percent: int) -> str:
    return str((Decimal(percent) / 100).quantize(Decimal("0.01")))


def _by_text(row: dict, projects: list[dict]) -> tuple[str, str] | None:
    """(project_id, method) when exactly one project's code (as a word) or name is written."""
    text = f" {row['description']} ".lower()
    for method, key in (("project_code", "code"), ("project_name", "name")):
        hits = {
            p["project_id"]
            for p in projects
            if p[key]
            and len(p[key]) > 1
            and (
                f" {p[key].lower()} " in text.replace("(", " ").replace(")", " ")
                if key == "code"
                else p[key].lower() in text
            )
        }
        if len(hits) == 1:
            return hits.pop(), method
    return None


def _suggest(
    row: dict, projects: dict[str, dict], config: ClassifyConfig, learnt: tuple = ((), ())
) -> dict:
    text = row["description"].lower()
    vendor = row["vendor"].strip().lower()
    for rule in config.split_rules:
        if rule.match.lower() in text:
            splits = [{"project_id": p, "share": _share(v)} for p, v in rule.splits.items()]
            return {"splits": splits, "billable": rule.billable, "method": "split_rule"}
    for rule in config.vendor_rules:
        if rule.vendor.lower() == vendor:
            return {
                "splits": [{"project_id": rule.project_id, "share": "1.00"}],
                "billable": rule.billable,
                "method": "vendor_rule",
            }
    for rule in learnt[1]:
        if rule.match == vendor:
            splits = [{"project_id": p, "share": _share(v)} for p, v in rule.splits.items()]
            return {"splits": splits, "billable": rule.billable, "method": "learnt_split"}
    for rule in learnt[0]:
        if rule.vendor == vendor:
            return {
                "splits": [{"project_id": rule.project_id, "share": "1.00"}],
                "billable": rule.billable,
                "method": "learnt_vendor",
            }
    found = _by_text(row, list(projects.values()))
    if found is None:
        return {"splits": [], "billable": None, "method": "none"}
    project_id, method = found
    return {
        "splits": [{"project_id": project_id, "share": "1.00"}],
        "billable": not projects[project_id]["is_internal"],
        "method": method,
    }


def classify_expenses(
    con: duckdb.DuckDBPyConnection, as_of: date, config: ClassifyConfig
) -> pl.DataFrame:
    """One row per expense to classify: expense_id, splits (list of project_id/share), billable,
    confidence, method, description, vendor."""
    targets = con.execute(TARGETS_SQL, [as_of])
    names = [d[0] for d in targets.description]
    rows = [dict(zip(names, r, strict=True)) for r in targets.fetchall()]
    result = con.execute(PROJECTS_SQL)
    pnames = [d[0] for d in result.description]
    projects = {r[0]: dict(zip(pnames, r, strict=True)) for r in result.fetchall()}
    config = known_rules(config, set(projects))
    learnt = learn_rules(con, as_of, set(projects))
    out = []
    for row in rows:
        s = _suggest(row, projects, config, learnt)
        out.append(
            {
                "expense_id": row["expense_id"],
                "splits": s["splits"],
                "billable": s["billable"],
                "confidence": CONFIDENCE.get(s["method"], 0.0),
                "method": s["method"],
                "description": row["description"],
                "vendor": row["vendor"],
            }
        )
    schema = {
        "expense_id": pl.String,
        "splits": pl.List(pl.Struct({"project_id": pl.String, "share": pl.String})),
        "billable": pl.Boolean,
        "confidence": pl.Float64,
        "method": pl.String,
        "description": pl.String,
        "vendor": pl.String,
    }
    return pl.DataFrame(out, schema=schema)
