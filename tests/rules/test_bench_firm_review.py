"""The second benchmark firm's planted review cases (demo/bench_firm/review.py): each expected
finding is a real change to the firm's September, the rest of the firm is as generated, and
the classifier's firm is not touched."""

from __future__ import annotations

import io
from datetime import datetime

import polars as pl
import pytest

from demo.bench_firm import review
from demo.bench_firm.generate import generate


@pytest.fixture(scope="module")
def planted():
    firm = generate()
    before = dict(firm.files)
    plants = review.plant(firm)
    return firm, before, plants


def _entries(text: str) -> pl.DataFrame:
    return pl.read_csv(io.StringIO(text), infer_schema_length=0).fill_null("")


def test_planting_leaves_the_classifier_firm_alone(planted):
    firm, before, plants = planted
    assert firm.files == before
    assert plants.files["time_entries.csv"] != before["time_entries.csv"]


def test_every_expected_case_is_a_change_in_the_window(planted):
    _firm, before, plants = planted
    old = _entries(before["time_entries.csv"])
    new = _entries(plants.files["time_entries.csv"])
    assert old.height == new.height
    both = old.join(new, on="entry_id", suffix="_new")
    changed = both.filter(
        (pl.col("notes") != pl.col("notes_new")) | (pl.col("billable") != pl.col("billable_new"))
    )
    by_kind: dict[str, set[str]] = {}
    for kind, ref in plants.expected:
        by_kind.setdefault(kind, set()).add(ref)
    assert {k: len(v) for k, v in by_kind.items()} == {
        "review_leakage": 12,
        "review_scope_creep": 8,
        "review_milestone_mismatch": 4,
        "review_under_reporting": 12,
    }
    leaks = changed.filter(pl.col("entry_id").is_in(list(by_kind["review_leakage"])))
    # client work that billed, now non-billable with the note unchanged
    assert leaks.height == 12
    assert set(leaks["billable"]) == {"true"} and set(leaks["billable_new"]) == {"false"}
    assert (leaks["notes"] == leaks["notes_new"]).all()
    assert leaks["project_id"].str.contains(r"^BP-\d+$").all()
    scope = changed.filter(pl.col("entry_id").is_in(list(by_kind["review_scope_creep"])))
    assert scope.height == 8 and set(scope["billable_new"]) == {"true"}
    for date in both.filter(pl.col("entry_id").is_in(changed["entry_id"].to_list()))["date"]:
        assert str(review.SINCE) <= date <= str(review.AS_OF)


def test_busy_days_are_busier_than_the_eight_hours_logged(planted):
    _firm, _before, plants = planted
    events = pl.read_csv(io.StringIO(plants.files["calendar_events.csv"]), infer_schema_length=0)
    hours: dict[str, float] = {}
    for r in events.iter_rows(named=True):
        day = f"{r['person_id']}:{r['start'][:10]}"
        span = datetime.fromisoformat(r["end"]) - datetime.fromisoformat(r["start"])
        hours[day] = hours.get(day, 0.0) + span.total_seconds() / 3600
    expected = {ref for kind, ref in plants.expected if kind == "review_under_reporting"}
    busy = {day for day, h in hours.items() if h >= 9}
    # 3 + 4 + 3.5 hours on each busy day; 2 + 1.5 on the ordinary ones
    assert sorted(hours.values()) == [3.5] * 4 + [10.5] * 6
    assert busy <= expected and len(busy) == 6
