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
        "worked on {K}",
        "{F} feature cont.",
        "PR review + merge",
        "implementing {F}",
        "{C} - {F} integration",
        "debugging {F}",
        "{K} wip",
        "migrations / db schema",
        "cleanup after release",
    ),
    "QA": (
        "QA regression",
        "{K} test cases",
        "regression run - {F}",
        "writing e2e tests for {F}",
        "bug triage w/ {C}",
        "{K} retest",
        "test plan {F}",
        "smoke testing release {V}",
        "{C} UAT support",
        "verify fixes {K}",
        "exploratory testing",
    ),
    "DESIGN": (
        "wireframes v{V} for {F}",
        "{K} design review",
        "figma - {F} screens",
        "usability test prep",
        "design system tokens",
        "hi-fi mockups {F}",
        "{C} design crit",
        "user flows {F}",
        "prototype v{V}",
        "{C} feedback on screens",
        "icons + illustrations",
        "handoff specs for devs",
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
        "call w/ {C}",
        "{C} invoice questions",
        "resourcing / scheduling",
        "retro",
        "update project plan",
    ),
    "STRAT": (
        "workshop prep",
        "{C} stakeholder interviews",
        "market analysis",
        "exec readout deck",
        "synthesis",
        "{C} workshop",
        "competitive landscape research",
        "roadmap options for {C}",
        "deck edits",
        "{C} exec sync",
    ),
    "DISC": (
        "discovery interviews",
        "current-state process mapping",
        "{C} discovery workshop",
        "requirements doc",
        "{K} findings writeup",
        "as-is / to-be mapping",
        "{C} requirements session",
    ),
    "SUPPORT": (
        "{K} prod issue",
        "support ticket {K}",
        "on-call handover",
        "patch release",
        "{K} investigate slow queries",
        "monthly maintenance",
        "{C} support queue",
        "dependency upgrades",
        "look into {K}",
    ),
    "NB": (
        "rework on {K} (not billable)",
        "internal: fix our own bug {K}",
        "{K} warranty fix",
        "redo {F} - our mistake, no charge",
    ),
    "ADMIN": (
        "internal: timesheets",
        "admin",
        "email catch-up",
        "expense reports",
        "all-hands",
        "1:1",
        "internal: team meeting",
        "hiring interviews",
        "admin / emails",
        "timesheet fixes",
        "internal - planning",
    ),
    "SALES": (
        "proposal for {P}",
        "RFP response {P}",
        "pitch deck",
        "sales call w/ {P}",
        "SOW draft for {P}",
        "{P} proposal edits",
        "biz dev - {P}",
    ),
    "TRAIN": (
        "training: AWS cert",
        "learning - react",
        "conference talk prep",
        "internal brown bag",
        "training (udemy)",
        "learning: kubernetes",
    ),
    "BENCH": (
        "bench",
        "internal tooling",
        "bench - knowledge base cleanup",
        "bench: demo app",
        "bench / internal tooling",
    ),
    "RUSH": (
        "URGENT {K} outage",
        "hotfix {K} (urgent)",
        "weekend escalation {K}",
        "rush: {K} prod down",
        "{C} sev1 - urgent",
        "asap fix {K} prod",
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


def _ticket(r: pl.Expr) -> pl.Expr:
    """A ticket key the way people type it: mostly `ACME-142`, sometimes lower-case, without the
    dash, with a space, or only `#142` (which names no project)."""
    number = (r % 480 + 12).cast(pl.String)
    style = (r // 480) % 20
    code = pl.col("pcode")
    return (
        pl.when(style < 12)
        .then(code + "-" + number)
        .when(style < 15)
        .then(code.str.to_lowercase() + "-" + number)
        .when(style < 17)
        .then(code + number)
        .when(style < 19)
        .then(code + " " + number)
        .otherwise("#" + number)
    )


def _client(r: pl.Expr) -> pl.Expr:
    """A client's short name as typed: as is, lower-case, cut to four letters, or misspelt."""
    name = pl.col("cshort")
    style = (r // 9600) % 10
    return (
        pl.when(style < 6)
        .then(name)
        .when(style < 8)
        .then(name.str.to_lowercase())
        .when(style < 9)
        .then(name.str.slice(0, 4))
        .otherwise(name.str.slice(0, 2) + name.str.slice(3))
    )


def _value(ph: str) -> pl.Expr:
    r = pl.col("note_r")
    values = {
        "K": _ticket(r),
        "N": (r % 900 + 100).cast(pl.String),
        "C": _client(r),
        "F": (r % len(FEATURES)).replace_strict(dict(enumerate(FEATURES)), return_dtype=pl.String),
        "V": (r % 4 + 1).cast(pl.String),
        "P": (r % len(PROSPECTS)).replace_strict(
            dict(enumerate(PROSPECTS)), return_dtype=pl.String
        ),
    }
    return values[ph]


# Shorthand people use; applied to about a quarter of the notes.
ABBREVIATIONS = {
    "review": "rvw",
    "meeting": "mtg",
    "testing": "tstg",
    "development": "dev",
    "design": "dsgn",
    "workshop": "wkshp",
    "interviews": "intvws",
    "requirements": "reqs",
    "regression": "regr",
    "planning": "plng",
    "status": "stat",
    "support": "supp",
    "mockups": "mocks",
    "stakeholder": "stkhldr",
    "release": "rel",
    " and ": " & ",
}
TYPO_SHARE, DROP_SHARE, ABBREV_SHARE, LOWER_SHARE = 0.10, 0.05, 0.25, 0.10


def _swap(s: pl.Expr, at: pl.Expr) -> pl.Expr:
    swapped = s.str.slice(0, at) + s.str.slice(at + 1, 1) + s.str.slice(at, 1) + s.str.slice(at + 2)
    # only lower-case letters are touched, so a ticket key keeps its project code
    return pl.when(s.str.slice(at, 2).str.contains("^[a-z]{2}$")).then(swapped).otherwise(s)


def _drop(s: pl.Expr, at: pl.Expr) -> pl.Expr:
    dropped = s.str.slice(0, at) + s.str.slice(at + 1)
    return pl.when(s.str.slice(at, 1).str.contains("[a-z]")).then(dropped).otherwise(s)


def _abbreviate(s: pl.Expr, at: pl.Expr) -> pl.Expr:
    return s.str.replace_many(list(ABBREVIATIONS), list(ABBREVIATIONS.values()))


def roughen(notes: pl.Series, u: np.ndarray, keep: np.ndarray) -> pl.Series:
    """Typos (two letters swapped, or one dropped), shorthand and lower-case, on a share of the
    notes chosen by `u` (uniform integers); rows where `keep` is set are left as written. Each
    change is computed on its own rows only (a million notes, a few string passes)."""
    pick = (u % 1000) / 1000
    edits = (
        (_swap, 0.0, TYPO_SHARE),
        (_drop, TYPO_SHARE, TYPO_SHARE + DROP_SHARE),
        (_abbreviate, TYPO_SHARE + DROP_SHARE, TYPO_SHARE + DROP_SHARE + ABBREV_SHARE),
    )
    out = notes.clone()
    for edit, low, high in edits:
        rows = np.flatnonzero(~keep & (pick >= low) & (pick < high))
        part = pl.DataFrame({"s": out.gather(rows), "u": u[rows]})
        at = (pl.col("u") // 1000) % (pl.col("s").str.len_chars() - 2).clip(1) + 1
        out = out.scatter(rows, part.select(edit(pl.col("s"), at))["s"])
    lower = np.flatnonzero(~keep & (((u // 7919) % 1000) / 1000 < LOWER_SHARE))
    return out.scatter(lower, out.gather(lower).str.to_lowercase())


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
