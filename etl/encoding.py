"""Decoding the bytes of a file people exported: UTF-8 first, then the Windows code page."""

from __future__ import annotations

UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
UTF8_BOM = b"\xef\xbb\xbf"
WINDOWS_NOTE = "not UTF-8: read as Windows-1252 (Latin-1)"


def decode(data: bytes) -> tuple[str, str | None]:
    """Text and a note when it was not plain UTF-8. Strips a UTF-8 BOM; honours a UTF-16 BOM
    (LE or BE). Spreadsheet exports are often Windows-1252, a superset of Latin-1 for text;
    a file whose rows were appended by different tools can mix both, so each line is decoded
    on its own: UTF-8 where it is valid, else Windows-1252 (else Latin-1, which never fails)."""
    if data.startswith(UTF16_BOMS):
        try:
            return data.decode("utf-16"), "UTF-16 (from its byte-order mark)"
        except UnicodeDecodeError:
            return data[2:].decode(
                "utf-16-le" if data[:1] == b"\xff" else "utf-16-be", errors="replace"
            ), "UTF-16 with broken characters"
    if data.startswith(UTF8_BOM):
        data = data[3:]
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        pass
    lines = data.split(b"\n")  # a UTF-8 character never contains the byte 0x0A
    out: list[str] = []
    windows: list[int] = []  # 1-based numbers of the \n-separated lines read as Windows-1252
    utf8_text = 0  # lines with non-ASCII characters that are valid UTF-8
    for number, line in enumerate(lines, 1):
        try:
            out.append(line.decode("utf-8"))
            utf8_text += not line.isascii()
            continue
        except UnicodeDecodeError:
            windows.append(number)
        try:
            out.append(line.decode("cp1252"))
        except UnicodeDecodeError:
            out.append(line.decode("latin-1"))
    text = "\n".join(out)
    if not utf8_text:
        return text, WINDOWS_NOTE
    return text, (
        f"{len(windows)} line(s) not UTF-8 (the first is line {windows[0]}) read as "
        "Windows-1252 (Latin-1), the rest as UTF-8"
    )
