"""ui/figures.kept: a figure is built once for equal inputs and shared, built again when any
input differs (a frame's one changed cell, another argument), and only the last KEPT stay."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import plotly.graph_objects as go
import polars as pl

from ui import figures


def counting_builder():
    built: list[tuple] = []

    @figures.kept
    def bars(frame: pl.DataFrame, title: str) -> go.Figure:
        built.append((frame.height, title))
        return go.Figure(go.Bar(x=frame["day"].to_list(), y=frame["amount"].to_list()))

    return bars, built


def frame(amount: str) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "day": [date(2026, 11, 2), date(2026, 11, 3)],
            "amount": [Decimal("1.00"), Decimal(amount)],
        }
    )


def test_equal_inputs_get_the_same_figure_built_once():
    bars, built = counting_builder()
    first = bars(frame("2.50"), "Open")
    again = bars(frame("2.50"), "Open")
    assert again is first and built == [(2, "Open")]
    assert list(first.data[0].y) == [Decimal("1.00"), Decimal("2.50")]


def test_a_changed_cell_or_argument_builds_a_new_figure():
    bars, built = counting_builder()
    first = bars(frame("2.50"), "Open")
    changed = bars(frame("2.51"), "Open")
    retitled = bars(frame("2.50"), "Paid")
    assert changed is not first and retitled is not first
    assert list(changed.data[0].y)[1] == Decimal("2.51")
    assert len(built) == 3


def test_only_the_last_figures_are_kept():
    bars, built = counting_builder()
    for n in range(figures.KEPT + 1):
        bars(frame(f"{n}.00"), "Open")
    bars(frame(f"{figures.KEPT}.00"), "Open")  # the newest: kept
    assert len(built) == figures.KEPT + 1
    bars(frame("0.00"), "Open")  # the oldest: dropped, built again
    assert len(built) == figures.KEPT + 2


def test_arguments_that_cannot_be_pickled_are_built_each_time():
    built = []

    @figures.kept
    def of(callback) -> go.Figure:
        built.append(1)
        return go.Figure()

    def local():  # a local function does not pickle
        return None

    assert of(local) is not of(local) and len(built) == 2
