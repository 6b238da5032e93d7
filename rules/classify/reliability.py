"""How far confidence is from being right: expected calibration error (ECE) and the precision
and coverage above a threshold, reported beside accuracy so a confidence that drifts from the
truth shows up in the same table as the accuracy it claims."""

from __future__ import annotations

import numpy as np

ECE_BINS = 10


def expected_calibration_error(
    confidence: np.ndarray, correct: np.ndarray, bins: int = ECE_BINS
) -> float:
    """Σ over equal-width confidence bins of (share of entries in the bin) × |mean confidence −
    share right|: 0 when a 0.9 means right nine times in ten."""
    conf = np.asarray(confidence, dtype=np.float64)
    ok = np.asarray(correct, dtype=np.float64)
    if conf.size == 0:
        return 0.0
    which = np.minimum((conf * bins).astype(int), bins - 1)
    total = 0.0
    for b in np.unique(which):
        mask = which == b
        total += mask.mean() * abs(conf[mask].mean() - ok[mask].mean())
    return float(total)


def at_threshold(confidence: np.ndarray, correct: np.ndarray, threshold: float) -> tuple:
    """(coverage, precision): the share of entries at or above the threshold, and the share of
    those that are right (1.0 when none are)."""
    conf = np.asarray(confidence, dtype=np.float64)
    ok = np.asarray(correct, dtype=bool)
    sure = conf >= threshold
    coverage = float(sure.mean()) if conf.size else 0.0
    precision = float(ok[sure].mean()) if sure.any() else 1.0
    return coverage, precision
