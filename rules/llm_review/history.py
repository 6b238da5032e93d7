"""What the firm's own history says about a note's words, for the local review: per project
and firm-wide, in how many client-project entries each word appeared and how many of those
were billed (sql/history_words.sql, the last `history_days` up to --as-of).

Real firms' notes are written by people with their own words, so the local review does not
rely on a fixed list alone: a word that appears mostly on non-billable client entries
(goodwill, warranty, 'not to be billed', a typo like 'not billabel') is learnt as an excuse;
a word billed nearly every time it was written is evidence that a non-billable entry using it
is leakage; and the words a project's billed notes keep using are what "in scope" looks like
for it. The window's own entries are part of the history, so every figure about an entry
leaves that entry out (leave-one-out): a word only the judged note uses teaches nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import duckdb

from rules.llm_review.text import STOP

MIN_SUPPORT = 5  # entries with a word before its billed share counts as evidence
EXCUSE_SHARE = 0.5  # a word on at least this share of its client entries unbilled is an excuse
EXCUSE_MIN = 2  # ... and on at least this many non-billable entries
VOCAB_MIN = 2  # a word of at least this many billed entries of a project is its vocabulary
RICH_HISTORY = 20  # billed noted entries a project needs before its vocabulary judges alone
TOTAL = ""  # the row of sql/history_words.sql that counts entries, not a word


@dataclass(frozen=True)
class WordCount:
    entries: int
    billed: int

    def without(self, billed: bool) -> WordCount:
        """The count with one entry (the judged one) taken out."""
        return WordCount(self.entries - 1, self.billed - (1 if billed else 0))

    @property
    def unbilled(self) -> int:
        return self.entries - self.billed


ZERO = WordCount(0, 0)


@dataclass(frozen=True)
class History:
    """Word counts of the firm's noted client entries since `since` (None: nothing read)."""

    since: date | None = None
    by_project: dict[tuple[str, str], WordCount] = field(default_factory=dict)
    firm: dict[str, WordCount] = field(default_factory=dict)

    def _own(self, count: WordCount, entry: dict) -> WordCount:
        """Leave the judged entry out when it is one of the counted ones."""
        counted = (
            count.entries > 0
            and self.since is not None
            and entry.get("date") is not None
            and entry["date"] >= self.since
            and not entry.get("is_internal", False)
        )
        return count.without(bool(entry["billable"])) if counted else count

    def project_count(self, entry: dict, stem: str) -> WordCount:
        return self._own(self.by_project.get((entry["project_id"], stem), ZERO), entry)

    def firm_count(self, entry: dict, stem: str) -> WordCount:
        return self._own(self.firm.get(stem, ZERO), entry)

    def excuses(self, entry: dict, note_stems: set[str]) -> list[str]:
        """The note's words the firm mostly writes on non-billable client entries."""
        out = []
        for stem in sorted(note_stems):
            c = self.firm_count(entry, stem)
            if c.unbilled >= EXCUSE_MIN and c.unbilled >= EXCUSE_SHARE * c.entries:
                out.append(stem)
        return out

    def billed_share(self, entry: dict, note_stems: set[str]) -> tuple[float | None, dict]:
        """The mean, over the note's words with enough history (the project's, else the
        firm's), of the share of their entries that were billed; None when no word has
        `MIN_SUPPORT` entries. Also the per-word figures, for the evidence."""
        shares: dict[str, str] = {}
        values = []
        for stem in sorted(note_stems):
            c = self.project_count(entry, stem)
            if c.entries < MIN_SUPPORT:
                c = self.firm_count(entry, stem)
            if c.entries < MIN_SUPPORT:
                continue
            values.append(c.billed / c.entries)
            shares[stem] = f"{c.billed}/{c.entries}"
        return (sum(values) / len(values) if values else None), shares

    def project_billed(self, entry: dict) -> int:
        """How many billed noted entries the project has in the history, this one left out:
        below `RICH_HISTORY` its billed notes say too little about what is in scope."""
        return self.project_count(entry, TOTAL).billed

    def in_vocabulary(self, entry: dict, stem: str) -> bool:
        """The project's billed notes (other than this one) used the word `VOCAB_MIN` times."""
        c = self.project_count(entry, stem)
        return c.billed >= VOCAB_MIN


def read_history(
    con: duckdb.DuckDBPyConnection, sql_text: str, since: date, as_of: date
) -> History:
    """The counts of sql/history_words.sql over [since, as_of]."""
    rows = con.execute(sql_text, {"since": since, "as_of": as_of, "stop": sorted(STOP)}).fetchall()
    by_project, firm = {}, {}
    for project_id, stem, entries, billed in rows:
        count = WordCount(int(entries), int(billed))
        if project_id is None:
            firm[stem] = count
        else:
            by_project[(project_id, stem)] = count
    return History(since, by_project, firm)
