"""Shared fixtures: a fresh warehouse file per test and a helper to write canonical folders."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from etl.warehouse import connect

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "warehouse.duckdb"


@pytest.fixture
def con(db_path: Path):
    connection = connect(db_path)
    yield connection
    connection.close()


def write_folder(folder: Path, files: dict[str, str]) -> Path:
    """Writes dedented file contents into `folder` (created) and returns it."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return folder
