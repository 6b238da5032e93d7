"""A damaged warehouse file (random bytes, or a DuckDB file cut short) shows one clear message on
every page — which file, that it cannot be read, what to do — and never a traceback."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.support.app_pages import APP
from warehouse.sessions import WarehouseUnreadable, read_only

PAGES = sorted(p.name for p in (APP.parent / "pages").glob("*.py"))


@pytest.fixture(scope="module")
def damaged(demo_template: Path, tmp_path_factory) -> dict[str, Path]:
    """Random bytes in a .duckdb file, the demo warehouse cut to half its length, and the demo
    warehouse with noise written over its middle (found by DuckDB's block checksums)."""
    folder = tmp_path_factory.mktemp("damaged")
    noise = folder / "random.duckdb"
    noise.write_bytes(random.Random(11).randbytes(256 * 1024))
    cut = Path(shutil.copy(demo_template, folder / "truncated.duckdb"))
    with cut.open("r+b") as f:
        f.truncate(cut.stat().st_size // 2)
    scrambled = Path(shutil.copy(demo_template, folder / "scrambled.duckdb"))
    with scrambled.open("r+b") as f:  # same length, 200 KB of noise in the middle
        f.seek(scrambled.stat().st_size // 2)
        f.write(random.Random(3).randbytes(200 * 1024))
    return {"random": noise, "truncated": cut, "scrambled": scrambled}


def _page(monkeypatch, db: Path, page: str) -> AppTest:
    monkeypatch.setenv("WAREHOUSE_DB", str(db))
    at = AppTest.from_file(APP, default_timeout=120).run()
    if page != "overview.py":
        at.switch_page(f"pages/{page}").run()
    return at


@pytest.mark.parametrize("kind", ["random", "truncated"])
@pytest.mark.parametrize("page", PAGES)
def test_every_page_explains_a_damaged_warehouse(monkeypatch, damaged, kind, page):
    db = damaged[kind]
    at = _page(monkeypatch, db, page)
    assert not at.exception, [e.value for e in at.exception]
    errors = [e.value for e in at.error if "cannot be read" in e.value]
    assert len(errors) == 1, [e.value for e in at.error]
    assert f"`{db}` cannot be read" in errors[0]
    assert "restore the file from a backup" in errors[0] and "make run" in errors[0]


@pytest.mark.parametrize("kind", ["random", "truncated", "scrambled"])
def test_the_reader_names_the_file_and_duckdbs_reason(damaged, kind):
    with pytest.raises(WarehouseUnreadable) as unreadable, read_only(damaged[kind]) as con:
        for (table,) in con.execute("SELECT table_name FROM duckdb_tables()").fetchall():
            con.execute(f'SELECT * FROM "{table}"').fetchall()  # read every block
    assert unreadable.value.path == damaged[kind]
    assert "\n" not in unreadable.value.detail
