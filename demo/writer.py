"""Writes a generated firm as a canonical import folder (CSV + YAML), byte for byte stable."""

from __future__ import annotations

import pathlib

import yaml

from .generate import DemoFirm

FILES = (
    "firm.yaml",
    "clients.csv",
    "people.csv",
    "projects.csv",
    "sow_lines.csv",
    "contracts.yaml",
    "rates.csv",
    "time_entries.csv",
    "expenses.csv",
    "milestones.csv",
    "invoices.csv",
    "invoice_lines.csv",
    "payments.csv",
    "calendar_events.csv",
    "time_off.csv",
    "fx_rates.csv",
)


def _yaml(data: dict) -> str:
    return yaml.safe_dump(
        data, sort_keys=False, allow_unicode=True, default_flow_style=False, width=120
    )


def write_firm(firm: DemoFirm, out_dir: pathlib.Path) -> dict[str, int]:
    out_dir = pathlib.Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    counts = {}
    for name in FILES:
        path = out_dir / name
        if name == "firm.yaml":
            path.write_text(_yaml(firm.firm), encoding="utf-8")
            counts[name] = 1
        elif name == "contracts.yaml":
            path.write_text(_yaml(firm.contracts), encoding="utf-8")
            counts[name] = len(firm.contracts["contracts"])
        else:
            frame = firm.tables[name]
            frame.write_csv(path, null_value="", line_terminator="\n")
            counts[name] = frame.height
    return counts
