"""The one date the suite calls "today", and the demo firm built on it.

Every test that builds the demo passes DEMO_AS_OF as `--as-of`, and tests/conftest.py pins
BILLING_TODAY to it for the whole session: the app's default period, rules, aging, late fees and
reminders then agree with the demo on what "now" is, whatever the wall clock says. On
2026-11-07 the demo's history ends with October 2026 (the last complete month, not invoiced
yet by design: docs/demo_firm.md) and September is its last invoiced month."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from demo.config import last_complete_month

DEMO_AS_OF = dt.date(2026, 11, 7)
# The last month of the demo's history (first day): the app's default period on DEMO_AS_OF.
DEMO_LAST_MONTH = last_complete_month(DEMO_AS_OF)


def month_text(first_day: dt.date) -> str:
    """'2026-10': how the app's period picker and session state name a month."""
    return f"{first_day:%Y-%m}"


def build_demo(db: Path, *extra: str, as_of: dt.date = DEMO_AS_OF) -> Path:
    """The demo firm through the real CLI (`python -m etl demo --as-of ...`) into `db`."""
    from etl.__main__ import main

    assert main(["--db", str(db), "demo", "--as-of", as_of.isoformat(), *extra]) == 0
    return db
