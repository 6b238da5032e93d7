"""Deterministic demo firm: a complete canonical import folder generated from a seed."""

from __future__ import annotations

import datetime
import pathlib

from .generate import DemoFirm, generate
from .writer import FILES, write_firm

__all__ = ["FILES", "DemoFirm", "generate", "write_demo_folder"]


def write_demo_folder(
    out_dir: pathlib.Path,
    seed: int = 7,
    people: int = 24,
    months: int | None = None,
    end_month: datetime.date | None = None,
    as_of: datetime.date | None = None,
) -> dict[str, int]:
    """Writes a complete canonical folder (every file of DATA_CONTRACT.md) and returns row counts
    per file."""
    firm = generate(seed, people, months, end_month, as_of)
    return write_firm(firm, pathlib.Path(out_dir))
