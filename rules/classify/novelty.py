"""How new a note is to the person who wrote it and to the firm, and the confidence cap that
follows. The calibration maps are learnt on held-out weeks whose notes are mostly familiar; a
note made of words and letter pieces nobody at the firm (or this person) ever wrote is outside
what they measured, so its calibrated confidence is not evidence enough to apply it unseen.
Novelty is the mean of four shares of the note's tokens never written before: its words and its
4-letter pieces, unseen by the firm and unseen by the person (a typo of a known word keeps its
pieces; a word only colleagues used counts half). The cap per novelty band is chosen on the
held-out weeks (training.py), never on the entries being classified."""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

import numpy as np
import polars as pl

from rules.classify.features import normalize_expr

PIECE = 4  # letters per piece of a padded word
BANDS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8, 1.0)  # upper edges; the first band is exactly 0
MIN_VOUCH = 30  # confident held-out entries a band needs to keep confidences above the cap
VOUCH_PRECISION = 0.99  # ...and the share of them that must be right
NOVEL_CAP = 0.97  # the most a capped band may show: below the 0.98 auto-apply threshold
SURE = 0.98  # what "confident" means when a band is vouched for
_WORD = re.compile(r"[a-z0-9äöüßéèáíóúñ]+")
_PERSON_SHIFT = np.uint64(32)


@dataclass
class Vocabulary:
    """The token hashes the approved history contains: the firm's, and (person, token) keys."""

    firm: np.ndarray  # sorted unique uint64 token hashes
    person: np.ndarray  # sorted unique uint64 (person << 32 | token)


def _person_codes(people: pl.Series) -> np.ndarray:
    return people.hash(seed=5).to_numpy().astype(np.uint64) >> np.uint64(33)


def note_tokens(notes: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(note index, token hash, is word) for the distinct words and PIECE-letter pieces of each
    normalized note; each distinct token is hashed once (crc32: the same in every process)."""
    known: dict[str, int] = {}
    idx: list[int] = []
    toks: list[int] = []
    words: list[bool] = []
    for i, note in enumerate(notes):
        found = set(_WORD.findall(note))
        pieces = set()
        for w in found:
            padded = f" {w} "
            pieces.update("c:" + padded[j : j + PIECE] for j in range(len(padded) - PIECE + 1))
        for token, is_word in [("w:" + w, True) for w in found] + [(p, False) for p in pieces]:
            h = known.get(token)
            if h is None:
                h = known[token] = zlib.crc32(token.encode())
            idx.append(i)
            toks.append(h)
            words.append(is_word)
    return np.asarray(idx, np.int64), np.asarray(toks, np.uint64), np.asarray(words, bool)


def _expand(idx: np.ndarray, n_notes: int, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For token lists grouped by note (idx sorted), the positions of the tokens of note
    rows[i], with i repeated: each distinct note is tokenised once, whoever wrote it."""
    starts = np.searchsorted(idx, np.arange(n_notes + 1))
    count = np.diff(starts)[rows]
    owner = np.repeat(np.arange(len(rows)), count)
    first = np.repeat(starts[rows] - (np.cumsum(count) - count), count)
    return owner, first + np.arange(count.sum())


def _person_notes(frame: pl.DataFrame) -> tuple[pl.DataFrame, np.ndarray, list[str]]:
    """Distinct (person, normalized note) rows with their note's index among the distinct
    notes, each row of `frame`'s index among them, and the distinct notes."""
    keyed = frame.select("person_id", norm=normalize_expr("notes"))
    notes = keyed["norm"].unique(maintain_order=True)
    pairs = (
        keyed.unique(maintain_order=True)
        .with_row_index("u")
        .join(pl.DataFrame({"norm": notes, "n": np.arange(len(notes))}), on="norm", how="left")
        .sort("u")
    )
    row_u = keyed.join(pairs, on=["person_id", "norm"], how="left")["u"].to_numpy()
    return pairs, row_u, notes.to_list()


def learn_vocabulary(history: pl.DataFrame) -> Vocabulary:
    """history: approved entries (person_id, notes)."""
    pairs, _, notes = _person_notes(history)
    idx, toks, _words = note_tokens(notes)
    if len(idx) == 0:
        return Vocabulary(np.zeros(0, np.uint64), np.zeros(0, np.uint64))
    owner, at = _expand(idx, len(notes), pairs["n"].to_numpy())
    people = _person_codes(pairs["person_id"])[owner]
    return Vocabulary(np.unique(toks), np.unique((people << _PERSON_SHIFT) | toks[at]))


def novelty(vocab: Vocabulary | None, frame: pl.DataFrame) -> np.ndarray:
    """frame: person_id, notes. Per row, the mean of the shares of its words and of its pieces
    unseen by the firm and by the person (0 = all seen, 1 = all new; a note without a word: 0)."""
    if vocab is None or frame.is_empty():
        return np.zeros(frame.height)
    pairs, row_u, notes = _person_notes(frame)
    idx, toks, is_word = note_tokens(notes)
    if len(idx) == 0:
        return np.zeros(frame.height)
    owner, at = _expand(idx, len(notes), pairs["n"].to_numpy())
    people = _person_codes(pairs["person_id"])[owner]
    unseen_firm = ~_member(toks[at], vocab.firm)
    unseen_person = ~_member((people << _PERSON_SHIFT) | toks[at], vocab.person)
    word = is_word[at]
    n = pairs.height
    shares = []
    for kind in (word, ~word):
        total = np.bincount(owner[kind], minlength=n)
        for unseen in (unseen_firm, unseen_person):
            hit = np.bincount(owner[kind], weights=unseen[kind], minlength=n)
            shares.append(np.divide(hit, total, out=np.zeros(n), where=total > 0))
    return np.mean(shares, axis=0)[row_u]


def _member(values: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    if len(sorted_set) == 0:
        return np.zeros(len(values), bool)
    at = np.minimum(np.searchsorted(sorted_set, values), len(sorted_set) - 1)
    return sorted_set[at] == values


def band(values: np.ndarray) -> np.ndarray:
    """The novelty band of each value: 0 for exactly 0, then (0, 0.1], (0.1, 0.2], ..."""
    return np.searchsorted(np.asarray(BANDS), values, side="left")


def fit_caps(novel: np.ndarray, confidence: np.ndarray, correct: np.ndarray) -> np.ndarray:
    """The cap of each band, from the held-out weeks: the least novel bands keep their
    confidence (cap 1.0) as long as each has at least MIN_VOUCH entries at SURE or above, right
    at least VOUCH_PRECISION of the time. From the first band that fails on, confidence is
    capped at the held-out accuracy of that band and every more novel one (pooled), never above
    NOVEL_CAP and never rising with novelty: held-out weeks rarely hold very new notes, and
    without evidence a new note cannot be sure."""
    which = band(novel)
    ok = np.asarray(correct, dtype=bool)
    caps = np.ones(len(BANDS))
    capped_from = len(BANDS)
    for b in range(len(BANDS)):
        sure = (which == b) & (confidence >= SURE)
        if sure.sum() < MIN_VOUCH or ok[sure].mean() < VOUCH_PRECISION:
            capped_from = b
            break
    ceiling = NOVEL_CAP
    for b in range(capped_from, len(BANDS)):
        tail = which >= b
        if tail.any():
            ceiling = min(ceiling, float(ok[tail].mean()))
        caps[b] = ceiling
    return caps


def apply_caps(caps: np.ndarray | None, novel: np.ndarray, confidence: np.ndarray) -> np.ndarray:
    """Each confidence no higher than its novelty band's cap (unchanged without caps)."""
    if caps is None or len(caps) == 0:
        return confidence
    return np.minimum(confidence, caps[band(novel)])
