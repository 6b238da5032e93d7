"""Text features of a note: hashed word, word-pair and character n-grams, one sparse row per
distinct note, so a million entries with a few thousand distinct notes cost a few thousand rows."""

from __future__ import annotations

import itertools
import re
import zlib

import numpy as np
import polars as pl
import scipy.sparse as sp

N_FEATURES = 1 << 18
CHAR_NGRAMS = (3, 4, 5)
_WORD = re.compile(r"[a-z0-9äöüßéèáíóúñ]+")
_DIGITS = re.compile(r"\d+")


def normalize(note: str) -> str:
    """Lower-case with every number collapsed to 0: ticket 142 and ticket 377 read the same."""
    return _DIGITS.sub("0", note.lower()).strip()


def normalize_expr(col: str) -> pl.Expr:
    """normalize() as a polars expression (same result), for whole columns at once."""
    return (
        pl.col(col).fill_null("").str.to_lowercase().str.replace_all(r"\d+", "0").str.strip_chars()
    )


def tokens(text: str) -> list[str]:
    """Words, adjacent word pairs and the 3- and 4-letter pieces of each padded word."""
    words = _WORD.findall(text)
    out = ["w:" + w for w in words]
    out += ["b:" + a + " " + b for a, b in itertools.pairwise(words)]
    for w in words:
        padded = f" {w} "
        for n in CHAR_NGRAMS:
            out += [padded[i : i + n] for i in range(len(padded) - n + 1)]
    return out


def _index(token: str) -> int:
    return zlib.crc32(token.encode()) & (N_FEATURES - 1)


def featurize(texts: list[str]) -> sp.csr_matrix:
    """Binary presence of hashed tokens, one row per (normalized) text. crc32 keeps the hashing
    the same in every process, so a cached model stays valid."""
    indptr, indices = [0], []
    known: dict[str, int] = {}  # each distinct token hashed once (n-grams repeat across notes)
    for text in texts:
        cols = set()
        for t in tokens(text):
            i = known.get(t)
            if i is None:
                i = known[t] = _index(t)
            cols.add(i)
        indices.extend(sorted(cols))
        indptr.append(len(indices))
    data = np.ones(len(indices), dtype=np.float32)
    return sp.csr_matrix(
        (data, np.asarray(indices, dtype=np.int32), np.asarray(indptr, dtype=np.int64)),
        shape=(len(texts), N_FEATURES),
    )
