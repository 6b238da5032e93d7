"""The Exceptions page's data shaping: evidence laid out to read, the queue's CSV and numbers."""

from __future__ import annotations

from decimal import Decimal

import polars as pl

from read_models import exception_review as er


def test_evidence_puts_single_rows_side_by_side_and_lists_as_tables():
    view = er.evidence_view(
        {
            "ref_type": "time_entry",
            "time_entry": {
                "entry_id": "TE-1",
                "hours": Decimal("2.5000"),
                "notes": None,
                "billable": False,
            },
            "imported": {
                "entry_id": "TE-1",
                "hours": Decimal("2.5000"),
                "notes": None,
                "billable": True,
                "rate": Decimal("0E-8"),
            },
            "overrides": [{"field": "billable", "value": "false", "decided_by": "Dana"}],
            "held_by_draft": [],
        }
    )
    assert view.records.to_dicts() == [
        {"field": "entry_id", "time_entry": "TE-1", "imported": "TE-1"},
        {"field": "hours", "time_entry": "2.5", "imported": "2.5"},
        {"field": "billable", "time_entry": "False", "imported": "True"},
        {"field": "rate", "time_entry": None, "imported": "0"},
    ]  # notes is empty in both rows, so it is left out
    assert list(view.tables) == ["overrides"]
    assert view.tables["overrides"].to_dicts() == [
        {"field": "billable", "value": "false", "decided_by": "Dana"}
    ]


def test_evidence_without_rows_is_empty():
    view = er.evidence_view({})
    assert view.records.is_empty() and view.tables == {}


def test_the_queue_csv_flattens_lists():
    queue = pl.DataFrame({"exception_id": ["a"], "severity_tag": [["high"]], "value": [1.5]})
    assert er.queue_csv(queue) == "exception_id,severity_tag,value\na,high,1.5\n"


def test_the_summary_counts_what_is_shown():
    queue = pl.DataFrame(
        {
            "severity": ["high", "medium", "high"],
            "age_days": [3, 10, 0],
            "client_id": ["C-1", None, "C-1"],
        }
    )
    assert er.summarize(queue) == er.QueueSummary(
        exception_count=3, high_count=2, oldest_age_days=10, client_count=1
    )
    assert er.summarize(queue.clear()).oldest_age_days is None
