"""One sha256 over files' names and text: the code a stored result was made by (mart views,
snapshots, stored page reads), so a result made by other code is never taken as current."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path


def files_digest(paths: Iterable[Path], seed: str = "", root: Path | None = None) -> str:
    """sha256 of `seed`, then each file's name (its path under `root`, when given) and bytes,
    in the order given."""
    digest = hashlib.sha256(seed.encode())
    for path in paths:
        name = str(path.relative_to(root)) if root is not None else path.name
        digest.update(name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()
