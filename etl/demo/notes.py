"""Free-text notes the way people type them, built for a million rows with polars expressions."""

from __future__ import annotations

import re

import numpy as np
import polars as pl

from .names import FEATURES, PROSPECTS

# Placeholders: {K} ticket key (project code + number), {N} PR number, {C} client short name,
# {F} feature, {V} version, {P} sales prospect. At most two per template.
TEMPLATES: dict[str, tuple[str, ...]] = {
    "DEV": (
        "dev work on API",
        "{K} checkout fix",
        "code review PR #{N}",
        "{K} bugfix",
        "standup",
        "{K}: {F} endpoint",
        "refactor {F} module",
        "pairing on {F}",
        "deploy to staging",
        "{K} - {F} backend",
        "sprint planning",
        "fix flaky tests in CI",
    ),
    "QA": (
        "QA regression",
        "{K} test cases",
        "regression run - {F}",
        "writing e2e tests for {F}",
        "bug triage w/ {C}",
        "{K} retest",
    ),
    "DESIGN": (
        "wireframes v{V} for {F}",
        "{K} design review",
        "figma - {F} screens",
        "usability test prep",
        "design system tokens",
        "hi-fi mockups {F}",
        "{C} design crit",
    ),
    "PM": (
        "client call",
        "status report",
        "{C} weekly status",
        "backlog grooming",
        "standup",
        "sprint planning",
        "budget check / forecast",
        "{C} steering committee prep",
        "RAID log update",
    ),
    "STRAT": (
        "workshop prep",
        "{C} stakeholder interviews",
        "market analysis",
        "exec readout deck",
        "synthesis",
        "{C} workshop",
        "competitive landscape research",
    ),
    "DISC": (
        "discovery interviews",
        "current-state process mapping",
        "{C} discovery workshop",
        "requirements doc",
        "{K} findings writeup",
    ),
    "SUPPORT": (
        "{K} prod issue",
        "support ticket {K}",
        "on-call handover",
        "patch release",
        "{K} investigate slow queries",
        "monthly maintenance",
    ),
    "NB": ("rework on {K} (not billable)", "internal: fix our own bug {K}", "{K} warranty fix"),
    "ADMIN": (
        "internal: timesheets",
        "admin",
        "email catch-up",
        "expense reports",
        "all-hands",
        "1:1",
        "internal: team meeting",
        "hiring interviews",
    ),
    "SALES": (
        "proposal for {P}",
        "RFP response {P}",
        "pitch deck",
        "sales call w/ {P}",
        "SOW draft for {P}",
    ),
    "TRAIN": (
        "training: AWS cert",
        "learning - react",
        "conference talk prep",
        "internal brown bag",
    ),
    "BENCH": ("bench", "internal tooling", "bench - knowledge base cleanup", "bench: demo app"),
    "RUSH": (
        "URGENT {K} outage",
        "hotfix {K} (urgent)",
        "weekend escalation {K}",
        "rush: {K} prod down",
    ),
    "HOTFIX": ("{K} hotfix after go-live",),
}
CODES = tuple(TEMPLATES)
INTERNAL_CODES = ("ADMIN", "SALES", "TRAIN", "BENCH")
_PH = re.compile(r"\{([KNCFVP])\}")


def _flat() -> list[tuple[str, str]]:
    return [(code, text) for code in CODES for text in TEMPLATES[code]]


def _parts(text: str) -> list[str]:
    pieces = _PH.split(text)  # literal, ph, literal, ph, literal
    pieces += [""] * (5 - len(pieces))
    return pieces


def template_table() -> pl.DataFrame:
    rows = [_parts(text) for _, text in _flat()]
    cols = ["lit0", "ph1", "lit1", "ph2", "lit2"]
    data = {c: [r[i] for r in rows] for i, c in enumerate(cols)}
    return pl.DataFrame({"t_id": np.arange(len(rows), dtype=np.int32), **data})


def _pools() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    flat = _flat()
    out = {}
    for code in CODES:
        ids = np.array([i for i, (c, _) in enumerate(flat) if c == code], dtype=np.int32)
        # Internal notes always say what they are; project notes hint with a ticket or client.
        hint = [
            i for i in ids if code in INTERNAL_CODES or "{K}" in flat[i][1] or "{C}" in flat[i][1]
        ]
        out[code] = (ids, np.array(hint, dtype=np.int32))
    return out


POOLS = _pools()


def choose(codes: np.ndarray, hint: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A template id per row from the pool of its code (hinting templates where hint is set)."""
    out = np.zeros(len(codes), dtype=np.int32)
    for ci, code in enumerate(CODES):
        for want_hint, pool in ((False, POOLS[code][0]), (True, POOLS[code][1])):
            rows = np.flatnonzero((codes == ci) & (hint == want_hint))
            if len(rows):
                out[rows] = pool[rng.integers(0, len(pool), len(rows))]
    return out


def code_index(code: str) -> int:
    return CODES.index(code)


def _value(ph: str) -> pl.Expr:
    r = pl.col("note_r")
    values = {
        "K": pl.col("pcode") + "-" + (r % 480 + 12).cast(pl.String),
        "N": (r % 900 + 100).cast(pl.String),
        "C": pl.col("cshort"),
        "F": (r % len(FEATURES)).replace_strict(dict(enumerate(FEATURES)), return_dtype=pl.String),
        "V": (r % 4 + 1).cast(pl.String),
        "P": (r % len(PROSPECTS)).replace_strict(
            dict(enumerate(PROSPECTS)), return_dtype=pl.String
        ),
    }
    return values[ph]


def render(frame: pl.DataFrame) -> pl.Series:
    """Notes for a frame with t_id, note_r (int), pcode and cshort columns."""
    joined = frame.select("t_id", "note_r", "pcode", "cshort").join(
        template_table(), on="t_id", how="left", maintain_order="left"
    )
    vals = {ph: _value(ph) for ph in "KNCFVP"}

    def fill(col: str) -> pl.Expr:
        expr = pl.lit("")
        for ph, v in vals.items():
            expr = pl.when(pl.col(col) == ph).then(v).otherwise(expr)
        return expr

    out = joined.select(
        (
            pl.col("lit0")
            + fill("ph1").fill_null("")
            + pl.col("lit1")
            + fill("ph2").fill_null("")
            + pl.col("lit2")
        ).alias("notes")
    )
    return out.get_column("notes")
