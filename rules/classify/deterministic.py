"""Deterministic rules, cheapest first: a ticket key or project code written in the note
(prefixes learnt from the approved history), the person's only candidate project, the rush
words of the config, and billable as the SOW line and project say."""

from __future__ import annotations

import re
from datetime import date

import duckdb
import polars as pl

from rules.classify import data

# A ticket key as typed: ACME-142, acme-142, ACME 142 (separated), or ACME142 (glued).
KEY_PATTERN = r"(?:^|[^a-z0-9])([a-z]{2,6}[0-9]?)[- ]?[0-9]{1,6}(?:[^a-z0-9]|$)"
LETTERS_ONLY = r"(?:^|[^a-z0-9])([a-z]{2,6})[0-9]{1,6}(?:[^a-z0-9]|$)"  # ACME142: acme, not acme1
SEPARATED = r"(?:^|[^a-z0-9])[a-z]{2,6}[0-9]?[- ][0-9]{1,6}(?:[^a-z0-9]|$)"
MIN_PREFIX_USES = 2  # a prefix learnt from history must occur this often (distinct tickets)...
MIN_PREFIX_PURITY = 1.0  # ...and always point to the same project
MIN_CUE_USES = 3  # a rush or no-charge word must mark this many entries...
MIN_CUE_PURITY = 0.9  # ...and at least this share of the entries that contain it
_CUE_WORD = r"[a-z][a-z0-9\-]+"


def key_prefix(col: str = "notes") -> pl.Expr:
    """The first ticket-key prefix in the note, lower-case, or null."""
    return pl.col(col).fill_null("").str.to_lowercase().str.extract(KEY_PATTERN, 1)


def learn_prefixes(history: pl.DataFrame, catalog: pl.DataFrame) -> pl.DataFrame:
    """prefix -> project_id: every project code, plus prefixes the history uses (at least
    MIN_PREFIX_USES times, for one project at least MIN_PREFIX_PURITY of the time): a team that
    writes `chk-12` for the checkout project teaches the rule `chk`."""
    codes = (
        catalog.select(prefix=pl.col("project_code").str.to_lowercase(), project_id="project_id")
        .drop_nulls()
        .unique()
        .unique("prefix", keep="none")  # a code two projects share names neither
    )
    learnt = (
        history.select(
            prefix=key_prefix(),
            key=pl.col("notes").fill_null("").str.to_lowercase().str.extract(KEY_PATTERN, 0),
            project_id="project_id",
        )
        .drop_nulls()
        .group_by("prefix", "project_id")
        .agg(n=pl.col("key").n_unique())
        .with_columns(total=pl.col("n").sum().over("prefix"))
        .filter(
            (pl.col("n") >= MIN_PREFIX_USES) & (pl.col("n") / pl.col("total") >= MIN_PREFIX_PURITY)
        )
        .select("prefix", "project_id")
    )
    return pl.concat([codes, learnt.join(codes, on="prefix", how="anti")]).sort("prefix")


def glued_safe(prefixes: pl.DataFrame) -> pl.Series:
    """Prefixes that stay unambiguous without a separator: `TSTI214` could be TSTI's ticket 214
    or TSTI2's ticket 14 when both codes exist, so neither is trusted glued."""
    names = set(prefixes["prefix"].to_list())
    shadowed = {p[:-1] for p in names if p[-1].isdigit()} | {
        p for p in names if p[-1].isdigit() and p[:-1] in names
    }
    return pl.Series("prefix", sorted(names - shadowed), dtype=pl.String)


def ticket_projects(targets: pl.DataFrame, prefixes: pl.DataFrame) -> pl.DataFrame:
    """entry_id -> key_project_id for targets whose note names a known ticket prefix (a glued
    key only when its prefix is glued_safe)."""
    notes = pl.col("notes").fill_null("").str.to_lowercase()
    found = targets.select(
        "entry_id",
        prefix=key_prefix(),
        letters=notes.str.extract(LETTERS_ONLY, 1),
        separated=notes.str.contains(SEPARATED),
    )
    safe = glued_safe(prefixes).implode()
    separated = found.filter("separated").join(prefixes, on="prefix")
    glued = found.filter(~pl.col("separated")).with_columns(
        prefix=pl.when(pl.col("prefix").is_in(safe)).then("prefix").otherwise("letters")
    )
    glued = glued.filter(pl.col("prefix").is_in(safe)).join(prefixes, on="prefix")
    return pl.concat([separated, glued]).select("entry_id", key_project_id="project_id")


def _phrases(notes: pl.Series) -> pl.Series:
    """Each note's distinct words and word pairs (the candidate cues)."""
    words = notes.str.extract_all(_CUE_WORD)
    pairs = words.list.eval(pl.concat_str([pl.element(), pl.element().shift(-1)], separator=" "))
    return words.list.concat(pairs.list.drop_nulls()).list.unique()


def _learn(frame: pl.DataFrame, flag: str) -> list[str]:
    """Pure, frequent words and word pairs. Two words that only ever mark entries together
    (`after hours`) are a phrase: the pair is the cue, not its words, so `regression after
    patch` is not rush. A pair with a word that is a cue on its own, or that marks fewer
    entries than one of its words does (`backfill after`), adds nothing."""
    grams = frame.select(flag, gram=_phrases(frame["notes"])).explode("gram").drop_nulls()
    stats = grams.group_by("gram").agg(n=pl.col(flag).sum(), total=pl.len())
    found = dict(
        stats.filter(
            (pl.col("n") >= MIN_CUE_USES) & (pl.col("n") / pl.col("total") >= MIN_CUE_PURITY)
        )
        .select("gram", "n")
        .iter_rows()
    )
    pairs = [g for g in found if " " in g]
    phrases = [g for g in pairs if all(found.get(w) == found[g] for w in g.split(" "))]
    inside = {w for g in phrases for w in g.split(" ")}
    singles = {g for g in found if " " not in g and g not in inside}
    keep = singles | {
        g
        for g in pairs
        if not set(g.split(" ")) & singles
        and all(found[w] == found[g] for w in g.split(" ") if w in found)
    }
    return sorted(keep)


def learn_cues(con: duckdb.DuckDBPyConnection, before: date) -> dict[str, list[str]]:
    """The words and word pairs that mark rush work and no-charge work in this firm's approved
    history (at least MIN_CUE_USES entries, MIN_CUE_PURITY of those containing them): the
    demo's `urgent` is config, but a firm whose people write `pager` or `goodwill` teaches it."""
    frame = con.sql(data.sql("cues"), params={"before": before}).pl()
    return {
        "rush": _learn(frame, "rush"),
        "no_charge": _learn(frame.filter("line_bills"), "no_charge"),
    }


def cue_pattern(words: list[str]) -> str | None:
    """A regular expression matching any of the learnt words as whole words, or None."""
    if not words:
        return None
    return r"(?:^|[^a-z0-9])(?:" + "|".join(re.escape(w) for w in words) + r")(?:[^a-z0-9]|$)"


def work_type(pattern: str, cues: dict | None = None) -> pl.Expr:
    """rush when the note matches the config's rush words or a learnt rush cue, else standard."""
    note = pl.col("notes").fill_null("").str.to_lowercase()
    flagged = note.str.contains(pattern)
    learnt = cue_pattern((cues or {}).get("rush", []))
    if learnt:
        flagged = flagged | note.str.contains(learnt)
    return pl.when(flagged).then(pl.lit("rush")).otherwise(pl.lit("standard"))


def billable(cues: dict | None = None) -> pl.Expr:
    """A line is billable when its SOW line is and its project is not internal, unless the note
    carries a no-charge cue the firm's history taught."""
    bills = pl.col("line_billable") & ~pl.col("is_internal")
    learnt = cue_pattern((cues or {}).get("no_charge", []))
    if learnt:
        bills = bills & ~pl.col("notes").fill_null("").str.to_lowercase().str.contains(learnt)
    return bills
