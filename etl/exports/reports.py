"""Finding which report an accounting export is, and reading its grouped rows.

QuickBooks Online reports and Xero exports carry a preamble (company, report title, dates) above
the header, section rows ("Consulting Income", a customer's name) over groups of rows, and
`Total for ...` rows under them. The title in the preamble names the report; without one, the
columns do. A file that is none of the vendor's reports is refused in one line.
"""

from __future__ import annotations

import bisect
import csv
import re
from dataclasses import dataclass
from pathlib import Path

from etl.csv_rows import physical_lines
from etl.exports.table import (
    ExportFormatError,
    ExportSpec,
    Table,
    map_header,
    read_export_text,
    read_table,
)


@dataclass(frozen=True)
class Report:
    """One export layout: its title as it appears in the preamble, and its columns."""

    title: str
    spec: ExportSpec
    signature: tuple[str, ...]  # fields that tell this report from its siblings
    absent: tuple[str, ...] = ()  # fields this report never has
    titled: bool = True  # the vendor writes `title` in a preamble above the header


def detect_report(path: Path, reports: tuple[Report, ...], vendor: str) -> Report:
    """The report a file is, by the title in its preamble, else by its header row."""
    text, _ = read_export_text(path)
    lines = physical_lines(text)[:50]
    scored = []
    for report in reports:
        lookup = report.spec.lookup()
        for index, line in enumerate(lines):
            columns = _header_fields(line, lookup)
            if len(columns) >= 3:
                preamble = " ".join(lines[:index]).casefold()
                has_title = report.titled and report.title.casefold() in preamble
                scored.append((report, set(columns), has_title))
                break
    titled = [r for r, cols, has_title in scored if has_title and _has_required(r, cols)]
    if titled:
        return titled[0]
    fitting = [
        r
        for r, cols, _ in scored
        if _has_required(r, cols)
        and all(f in cols for f in r.signature)
        and not any(f in cols for f in r.absent)
    ]
    if fitting:
        return fitting[0]
    names = ", ".join(f'"{r.title}"' for r in reports)
    raise ExportFormatError(
        f"{path.name}: not a {vendor} export this importer reads ({names}): "
        "no header row with their columns"
    )


def _header_fields(line: str, lookup: dict[str, str]) -> dict[str, int]:
    """The known fields of a line read as a header, with whichever delimiter finds the most."""
    best: dict[str, int] = {}
    for delimiter in (",", ";", "\t"):
        try:
            cells = next(csv.reader([line.rstrip("\r\n")], delimiter=delimiter), [])
        except csv.Error:
            continue
        columns, _ = map_header(cells, lookup)
        best = columns if len(columns) > len(best) else best
    return best


def _has_required(report: Report, columns: set[str]) -> bool:
    return all(any(f in columns for f in alts) for alts in report.spec.required)


def read_report(path: Path, report: Report) -> tuple[Table, Sections]:
    """The table and its section rows (line -> label): a row with only its first cell filled
    ("Consulting Income", a customer's name) opens a section of a grouped report."""
    table = read_table(path, report.spec)
    sections: dict[int, str] = {}
    rows = []
    for line, cells in table.rows:
        if _section_label(cells) is not None:
            sections[line] = _section_label(cells)
        else:
            rows.append((line, cells))
    table.rows = rows
    kept = []
    for error in table.bad:  # a short section row ("Consulting Income" alone on its line)
        values = list(error.raw.values())
        if "cut short" in error.reason and _section_label(values) is not None:
            sections[error.line] = values[0].strip()
        else:
            kept.append(error)
    table.bad = kept
    return table, Sections(sections)


# A first cell that is a date ("10/20/2026", "2026-10-20", "15 Jul 2026") is a transaction row
# cut short, never a section; an aging bucket ("31 - 60 days past due") starts with a digit too.
_DATE_LIKE = re.compile(
    r"^(\d{1,4}[-/.]\d{1,2}([-/.]\d{1,4})?|\d{1,2}\s+[a-z]{3,9}\.?\s+\d{2,4})$", re.I
)


def _section_label(cells: list[str]) -> str | None:
    first = cells[0].strip() if cells else ""
    if first and not _DATE_LIKE.match(first) and not any(c.strip() for c in cells[1:]):
        return first
    return None


class Sections:
    """Section rows of a grouped report (line -> label), asked which section a row is in."""

    def __init__(self, labels: dict[int, str]):
        self.labels = labels
        self._starts = sorted(labels)

    def of(self, line: int) -> str:
        """The label of the last section opened above `line` ('' when none)."""
        index = bisect.bisect_left(self._starts, line)
        return self.labels[self._starts[index - 1]] if index else ""
