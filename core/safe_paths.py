"""File names made from data (an invoice id in the reminder outbox, a person id in a download's
name): ids come from a firm's files or an API, so `../../etc/x`, `/abs`, `a\\b`, `..` or a NUL
must never choose where a file is written. `safe_file_name` turns any text into one plain file
name; `path_inside` joins it to a folder and checks the resolved path is still inside it (a
symlink in the folder cannot point the write elsewhere either). See docs/security.md."""

from __future__ import annotations

import re
from pathlib import Path

MAX_NAME = 100  # characters kept from the id; file systems allow 255 bytes
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


class UnsafePath(ValueError):
    """A path built from data that would land outside its folder."""


def safe_file_name(text: str | None, fallback: str = "file") -> str:
    """`text` as one file name: runs of anything but ASCII letters, digits, '.', '-' and '_'
    become '_' (slashes, backslashes, NUL, spaces, control characters), leading dots and
    dashes go (no hidden files, no `..`, nothing a shell reads as an option), at most
    MAX_NAME characters; `fallback` when nothing is left. INV-2026-0001 stays as it is."""
    name = _UNSAFE.sub("_", text or "").lstrip("._-")[:MAX_NAME].rstrip(".")
    return name if name.strip("_") else fallback


def path_inside(folder: Path, name: str) -> Path:
    """`folder / name`, refused unless it resolves to a direct child of `folder` (the guard
    that holds even if a name reached here without safe_file_name)."""
    if "\x00" in name:
        raise UnsafePath(f"{name!r} contains a NUL character")
    base = folder.resolve()
    path = (base / name).resolve()
    if path.parent != base:
        raise UnsafePath(f"{name!r} would be written outside {base}")
    return path
