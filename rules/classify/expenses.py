"""Expenses without a project: configured split rules (one bill shared between projects),
vendor rules, then a project code or name in the description; billable follows the project
(internal projects never bill) unless a rule says otherwise."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import duckdb
import polars as pl

from rules.classify.config import ClassifyConfig

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
CONFIDENCE = {"split_rule": 0.99, "vendor_rule": 0.99, "project_code": 0.95, "project_name": 0.9}


def _share(percent: int) -> str:
    return str((Decimal(percent) / 100).quantize(Decimal("0.01")))


def _by_text(row: dict, projects: list[dict]) -> tuple[str, str] | None:
    """(project_id, method) when exactly one project's code (as a word) or name is written."""
    text = f" {row['description']} ".lower()
    for method, key in (("project_code", "code"), ("project_name", "name")):
        hits = {
            p["project_id"]
            for p in projects
            if p[key] and len(p[key]) > 1
            and (f" {p[key].lower()} " in text.replace("(", " ").replace(")", " ")
                 if key == "code" else p[key].lower() in text)
        }  # fmt: skip
        if len(hits) == 1:
            return hits.pop(), method
    return None


def _suggest(row: dict, projects: dict[str, dict], config: ClassifyConfig) -> dict:
    text = row["description"].lower()
    for rule in config.split_rules:
        if rule.match.lower() in text:
            splits = [{"project_id": p, "share": _share(v)} for p, v in rule.splits.items()]
            return {"splits": splits, "billable": rule.billable, "method": "split_rule"}
    for rule in config.vendor_rules:
        if rule.vendor.lower() == row["vendor"].strip().lower():
            return {"splits": [{"project_id": rule.project_id, "share": "1.00"}],
                    "billable": rule.billable, "method": "vendor_rule"}  # fmt: skip
    found = _by_text(row, list(projects.values()))
    if found is None:
        return {"splits": [], "billable": None, "method": "none"}
    project_id, method = found
    return {"splits": [{"project_id": project_id, "share": "1.00"}],
            "billable": not projects[project_id]["is_internal"], "method": method}  # fmt: skip


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
    out = []
    for row in rows:
        s = _suggest(row, projects, config)
        out.append({"expense_id": row["expense_id"], "splits": s["splits"],
                    "billable": s["billable"], "confidence": CONFIDENCE.get(s["method"], 0.0),
                    "method": s["method"], "description": row["description"],
                    "vendor": row["vendor"]})  # fmt: skip
    schema = {"expense_id": pl.String,
              "splits": pl.List(pl.Struct({"project_id": pl.String, "share": pl.String})),
              "billable": pl.Boolean, "confidence": pl.Float64, "method": pl.String,
              "description": pl.String, "vendor": pl.String}  # fmt: skip
    return pl.DataFrame(out, schema=schema)
