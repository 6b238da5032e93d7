"""The great-expectations suite of etl/expectations.py: one small frame per kind of failure, with
the unexpected counts worked out by hand; clean and empty frames pass everything."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from etl.contract import (
    CSV_ENTITIES,
    EXPENSES,
    INVOICE_LINES,
    MILESTONES,
    RATES,
    TIME_ENTRIES,
    Entity,
)
from etl.currencies import ISO_4217, WITHDRAWN
from etl.expectations import (
    BETWEEN,
    IN_SET,
    IN_TYPE_LIST,
    NOT_NULL,
    UNIQUE,
    ExpectationResult,
    expectation_specs,
    validate_entity,
)


def clean_frame(entity: Entity, rows: int = 3) -> pd.DataFrame:
    """A typed frame that satisfies the contract, shaped like DuckDB's `.df()`."""
    data = {}
    for c in entity.columns:
        if c.type == "id":
            values = [f"{c.name}-{i}" for i in range(rows)]
        elif c.type == "date":
            values = pd.to_datetime([f"2026-10-{i + 1:02d}" for i in range(rows)]).astype(
                "datetime64[us]"
            )
        elif c.type == "timestamp":
            values = pd.to_datetime(["2026-10-05T17:02:00-04:00"] * rows, utc=True)
        elif c.type in ("money", "ratio", "hours"):
            values = [1.5] * rows
        elif c.type == "int":
            values = np.array([1] * rows, dtype="int32")
        elif c.type == "bool":
            values = [True] * rows
        elif c.type == "currency":
            values = ["USD"] * rows
        elif c.type == "enum":
            values = [c.choices[0]] * rows
        else:
            values = ["text"] * rows
        data[c.name] = values
    return pd.DataFrame(data)


def by_check(results: list[ExpectationResult]) -> dict[tuple[str, str | None], ExpectationResult]:
    return {(r.expectation, r.column): r for r in results}


def failures(results: list[ExpectationResult]) -> dict[tuple[str, str | None], int]:
    return {(r.expectation, r.column): r.unexpected_count for r in results if not r.success}


# ------------------------------------------------------------------ the suite is built from spec


def test_time_entries_suite_has_every_kind_of_check():
    specs = [(kind, column) for kind, column, _ in expectation_specs(TIME_ENTRIES)]
    assert specs == [
        (NOT_NULL, "entry_id"),
        (UNIQUE, "entry_id"),
        (NOT_NULL, "person_id"),
        (NOT_NULL, "date"),
        (IN_TYPE_LIST, "date"),
        (NOT_NULL, "hours"),
        (BETWEEN, "hours"),
        (IN_SET, "work_type"),
    ]
    kwargs = {(k, c): kw for k, c, kw in expectation_specs(TIME_ENTRIES)}
    assert kwargs[(BETWEEN, "hours")] == {"min_value": 0, "max_value": 24}
    assert kwargs[(IN_SET, "work_type")] == {"value_set": ["standard", "rush"]}


def test_composite_key_only_requires_its_required_parts():
    # A rate-card row may leave project_id / person_id / role empty (they narrow the scope).
    not_null = {c for k, c, _ in expectation_specs(RATES) if k == NOT_NULL}
    assert not_null == {"contract_id", "rate", "effective_from"}
    assert not any(k == UNIQUE for k, _, _ in expectation_specs(RATES))
    assert (IN_SET, "currency") in {(k, c) for k, c, _ in expectation_specs(RATES)}


# ------------------------------------------------------------------ clean and empty frames pass


@pytest.mark.parametrize("entity", CSV_ENTITIES, ids=lambda e: e.name)
def test_clean_frame_passes_everything(entity: Entity):
    results = validate_entity(entity, clean_frame(entity))
    assert [(r.expectation, r.column) for r in results] == [
        (k, c) for k, c, _ in expectation_specs(entity)
    ]
    assert all(r.success for r in results), [r for r in results if not r.success]
    assert all(r.element_count == 3 and r.unexpected_count == 0 for r in results)
    json.dumps([r.details for r in results])


@pytest.mark.parametrize("entity", CSV_ENTITIES, ids=lambda e: e.name)
def test_empty_frame_passes(entity: Entity):
    typed_empty = clean_frame(entity).iloc[:0]
    for frame in (typed_empty, pd.DataFrame()):
        results = validate_entity(entity, frame)
        assert len(results) == len(expectation_specs(entity))
        assert all(r.success for r in results), [r for r in results if not r.success]
        assert all(r.element_count == 0 and r.unexpected_count == 0 for r in results)


def test_decimal_and_date_objects_pass():
    # Decimals (e.g. from fetchall) and datetime.date objects (DuckDB's date_as_object).
    df = clean_frame(TIME_ENTRIES)
    df["hours"] = pd.Series([Decimal(0), Decimal("7.2500"), Decimal("24.0000")], dtype=object)
    df["date"] = pd.Series([dt.date(2026, 10, d) for d in (1, 2, 3)], dtype=object)
    assert all(r.success for r in validate_entity(TIME_ENTRIES, df))


# ------------------------------------------------------------------ one frame per kind of failure


def test_null_id():
    df = clean_frame(TIME_ENTRIES, 4)
    df.loc[2, "entry_id"] = None
    results = validate_entity(TIME_ENTRIES, df)
    assert failures(results) == {(NOT_NULL, "entry_id"): 1}
    r = by_check(results)[(NOT_NULL, "entry_id")]
    assert (r.success, r.element_count, r.unexpected_count) == (False, 4, 1)
    assert r.details["unexpected_rows"] == [2]
    # a null is not a duplicate
    assert by_check(results)[(UNIQUE, "entry_id")].success


def test_duplicate_id_counts_every_occurrence():
    df = clean_frame(TIME_ENTRIES, 5)
    df["entry_id"] = ["E1", "E2", "E1", "E3", "E1"]  # E1 three times -> 3 rows unexpected
    results = validate_entity(TIME_ENTRIES, df)
    assert failures(results) == {(UNIQUE, "entry_id"): 3}
    r = by_check(results)[(UNIQUE, "entry_id")]
    assert r.details["unexpected_values"] == ["E1", "E1", "E1"]
    assert r.details["unexpected_rows"] == [0, 2, 4]


def test_hours_over_24():
    df = clean_frame(TIME_ENTRIES, 5)
    df["hours"] = [1.5, 30.0, 24.0, 0.0, np.nan]  # 24 and 0 are inside; a null is not "out"
    results = validate_entity(TIME_ENTRIES, df)
    assert failures(results) == {(BETWEEN, "hours"): 1, (NOT_NULL, "hours"): 1}
    r = by_check(results)[(BETWEEN, "hours")]
    assert r.element_count == 5
    assert r.details["unexpected_values"] == [30.0]
    assert r.details["kwargs"] == {"min_value": 0, "max_value": 24}


def test_hours_over_24_as_decimals():
    df = clean_frame(TIME_ENTRIES, 4)
    df["hours"] = pd.Series(
        [Decimal("24.0000"), Decimal("24.0001"), Decimal("-0.25"), Decimal(30)], dtype=object
    )
    assert failures(validate_entity(TIME_ENTRIES, df)) == {(BETWEEN, "hours"): 3}


def test_negative_amount():
    df = clean_frame(MILESTONES, 4)
    df["amount"] = [2500.0, -0.01, 0.0, -100.0]
    results = validate_entity(MILESTONES, df)
    assert failures(results) == {(BETWEEN, "amount"): 2}
    assert by_check(results)[(BETWEEN, "amount")].details["unexpected_values"] == [-0.01, -100.0]


def test_negative_int_column():
    df = clean_frame(INVOICE_LINES, 3)
    df["line_no"] = np.array([1, -1, 2], dtype="int32")
    assert failures(validate_entity(INVOICE_LINES, df)) == {(BETWEEN, "line_no"): 1}


def test_unknown_currency():
    df = clean_frame(EXPENSES, 5)
    df["currency"] = ["USD", "XYZ", "EUR", "XYZ", "usd"]  # codes are upper case
    results = validate_entity(EXPENSES, df)
    assert failures(results) == {(IN_SET, "currency"): 3}
    r = by_check(results)[(IN_SET, "currency")]
    assert r.details["unexpected_values"] == ["XYZ", "XYZ", "usd"]
    assert r.details["kwargs"] == {"value_set": "etl.currencies.ISO_4217"}


def test_enum_typo():
    df = clean_frame(TIME_ENTRIES, 4)
    df["work_type"] = ["standard", "rsuh", None, "rush"]  # optional enum: null is fine
    results = validate_entity(TIME_ENTRIES, df)
    assert failures(results) == {(IN_SET, "work_type"): 1}
    assert by_check(results)[(IN_SET, "work_type")].details["unexpected_values"] == ["rsuh"]


def test_date_column_of_strings_is_not_typed():
    df = clean_frame(TIME_ENTRIES, 3)
    df["date"] = ["2026-10-01", None, "2026-10-03"]
    results = validate_entity(TIME_ENTRIES, df)
    assert failures(results) == {(IN_TYPE_LIST, "date"): 2, (NOT_NULL, "date"): 1}


def test_missing_required_column_is_all_null():
    df = clean_frame(TIME_ENTRIES, 3).drop(columns=["person_id"])
    assert failures(validate_entity(TIME_ENTRIES, df)) == {(NOT_NULL, "person_id"): 3}


def test_text_in_numeric_column_is_reported_not_raised():
    df = clean_frame(TIME_ENTRIES, 3)
    df["hours"] = pd.Series(["1.5", "lots", None], dtype=object)
    results = validate_entity(TIME_ENTRIES, df)
    r = by_check(results)[(BETWEEN, "hours")]
    assert (r.success, r.unexpected_count) == (False, 2)
    assert r.details["error"]


def test_rows_are_positions_and_details_are_json():
    df = clean_frame(TIME_ENTRIES, 3)
    df.index = [10, 10, 7]  # any index, even a duplicated one
    df["hours"] = [1.0, 25.0, 2.0]
    df["date"] = pd.Series([dt.date(2026, 10, 1), "yesterday", None], dtype=object, index=df.index)
    results = validate_entity(TIME_ENTRIES, df)
    assert failures(results) == {
        (BETWEEN, "hours"): 1,
        (IN_TYPE_LIST, "date"): 1,
        (NOT_NULL, "date"): 1,
    }
    checks = by_check(results)
    assert checks[(BETWEEN, "hours")].details["unexpected_rows"] == [1]
    assert checks[(IN_TYPE_LIST, "date")].details["unexpected_values"] == ["yesterday"]
    json.loads(json.dumps([r.details for r in results]))


def test_no_progress_bars_or_log_noise(capfd):
    validate_entity(TIME_ENTRIES, clean_frame(TIME_ENTRIES))
    validate_entity(TIME_ENTRIES, clean_frame(TIME_ENTRIES).iloc[:0])
    out, err = capfd.readouterr()
    assert out == "" and err == ""


# ------------------------------------------------------------------ currencies


def test_iso_4217_set():
    assert {"USD", "EUR", "GBP", "JPY", "CHF", "CAD", "XCG", "ZWG", "SLE"} <= ISO_4217
    assert not {"XYZ", "usd", "BGN", "HRK", "ANG", "XTS", "XXX"} & ISO_4217
    assert all(len(c) == 3 and c.isalpha() and c.isupper() for c in ISO_4217)
    assert all(new in ISO_4217 for new in WITHDRAWN.values())
