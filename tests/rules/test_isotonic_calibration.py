"""The isotonic calibration map (rules/classify/model.py: scipy's pool-adjacent-violators),
worked out by hand."""

from __future__ import annotations

import numpy as np

from rules.classify.model import isotonic


def test_violators_are_pooled_into_their_mean():
    # Raw confidence 0.1..0.4 with outcomes 0, 1, 0, 1: the 1 then 0 in the middle violate the
    # order and pool to 0.5: breakpoints at each block's first x (0.1 -> 0, 0.2 -> 0.5,
    # 0.4 -> 1), interpolated between them.
    xs, ys = isotonic(np.array([0.3, 0.1, 0.4, 0.2]), np.array([0, 0, 1, 1]))
    assert xs.tolist() == [0.1, 0.2, 0.4]
    assert ys.tolist() == [0.0, 0.5, 1.0]
    assert np.interp(0.25, xs, ys) == 0.625  # a quarter of the way from 0.5 to 1
    assert np.interp(0.05, xs, ys) == 0.0


def test_an_already_ordered_set_keeps_its_steps_and_empty_stays_empty():
    xs, ys = isotonic(np.array([0.2, 0.5, 0.9]), np.array([0, 1, 1]))
    assert xs.tolist() == [0.2, 0.5]
    assert ys.tolist() == [0.0, 1.0]
    empty_x, empty_y = isotonic(np.array([]), np.array([]))
    assert len(empty_x) == 0 and len(empty_y) == 0
