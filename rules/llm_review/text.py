"""Words of a note as the local review compares them: lower-case tokens, stop words dropped,
each cut to its first five letters so 'migration' meets 'migrate' and 'dashboards' meets
'dashboard' without a stemmer."""

from __future__ import annotations

import re

WORD = re.compile(r"[a-z0-9]+")
STEM = 5
STOP_WORDS = (
    "a an and are as at be by for from has have i in into is it its of on or our the their "
    "them they this to up via w was we with new did do done got per re"
)
STOP = frozenset(STOP_WORDS.split())


def stems(text: str | None) -> set[str]:
    """The note's content words, cut to their stems; numbers and one-letter words dropped."""
    words = WORD.findall((text or "").lower())
    return {w[:STEM] for w in words if w not in STOP and len(w) > 1 and not w.isdigit()}
