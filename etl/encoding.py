"""Decoding the bytes of a file people exported: UTF-8 first, then the Windows code page."""

from __future__ import annotations


def decode(data: bytes) -> tuple[str, str | None]:
    """Text and a note when it was not UTF-8. Strips a UTF-8 BOM; honours a UTF-16 BOM.
    Spreadsheet exports are often Windows-1252, a superset of Latin-1 for text."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), None
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "not UTF-8: read as Windows-1252 (Latin-1)"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "not UTF-8: read as Latin-1"
