"""The Invoices page's data shaping: the period's totals per currency, the contract text and the
run's exceptions by kind."""

from __future__ import annotations

from decimal import Decimal

import polars as pl

from read_models import invoice_review as ir


def drafts() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "contract_id": ["K-1", "K-2", "K-3", "K-4"],
            "project_id": ["P-1", None, None, None],
            "status": ["approved", "draft", "void", "draft"],
            "currency": ["USD", "EUR", "USD", "USD"],
            "total": [Decimal("100.00"), Decimal("250.00"), Decimal("999.00"), Decimal("20.50")],
        },
        schema_overrides={"total": pl.Decimal(18, 2)},
    )


def test_totals_per_currency_leave_void_drafts_out():
    summary = ir.summarize(drafts())
    assert (summary.draft_count, summary.approved_count, summary.void_count) == (4, 1, 1)
    assert summary.totals == [("EUR", Decimal("250.00")), ("USD", Decimal("120.50"))]


def test_the_contract_text_names_the_project_when_there_is_one():
    assert ir.with_contract_text(drafts())["contract_text"].to_list() == [
        "K-1 · P-1",
        "K-2",
        "K-3",
        "K-4",
    ]


def test_the_runs_exceptions_by_kind_put_the_open_ones_first():
    found = pl.DataFrame(
        {
            "kind": ["over_cap", "unapproved_time", "unapproved_time", "po_alert"],
            "status": ["approved", "open", "open", "open"],
        }
    )
    assert ir.exceptions_by_kind(found).rows() == [
        ("unapproved_time", 2, 2),
        ("po_alert", 1, 1),
        ("over_cap", 1, 0),
    ]
