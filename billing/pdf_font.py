"""The invoice PDF's typeface: DejaVu Sans (Debian's fonts-dejavu-core, which `make run` and
`make test` install) embedded as a Unicode TrueType font, so names such as "Łódź" or
"Žėkas" print as written. DejaVu's licence (Bitstream Vera + public-domain changes) allows
embedding. Without the font files the PDF falls back to the built-in Helvetica (windows-1252,
accents it lacks dropped: billing.export.pdf_safe), so a machine without them still invoices.

`INVOICE_FONT_DIR` names another folder holding DejaVuSans.ttf and DejaVuSans-Bold.ttf."""

from __future__ import annotations

import os
from pathlib import Path

from fpdf import FPDF

FONT_ENV = "INVOICE_FONT_DIR"
DEFAULT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"),)
REGULAR, BOLD = "DejaVuSans.ttf", "DejaVuSans-Bold.ttf"
FAMILY = "DejaVu"
CORE = "Helvetica"


def font_dirs() -> list[Path]:
    """Where the font is looked for: $INVOICE_FONT_DIR first, then Debian's folder."""
    env = os.environ.get(FONT_ENV)
    return ([Path(env)] if env else []) + list(DEFAULT_DIRS)


def find_font() -> Path | None:
    """The first folder holding both faces, or None (the PDF then uses Helvetica)."""
    return next((d for d in font_dirs() if (d / REGULAR).is_file() and (d / BOLD).is_file()), None)


def embed(pdf: FPDF) -> str | None:
    """Adds DejaVu Sans (regular and bold) to the document; the family name, or None."""
    folder = find_font()
    if folder is None:
        return None
    pdf.add_font(FAMILY, "", str(folder / REGULAR))
    pdf.add_font(FAMILY, "B", str(folder / BOLD))
    return FAMILY


def drawable(pdf: FPDF, text: str) -> str:
    """`text` with each character the embedded font has no glyph for as '?' (a CJK name in
    DejaVu, say), rather than an invisible gap the reader cannot tell from a space."""
    cmap = pdf.fonts[FAMILY.lower()].cmap
    return "".join(c if ord(c) in cmap or c in "\n\t" else "?" for c in text)
