"""A canonical import killed midway (SIGKILL, no chance to roll back) leaves the warehouse as it
was, and running it again completes with every row (issue 11, crash consistency).

The kill is deterministic: ETL_PAUSE_AFTER_FIRST_ENTITY makes the import sleep inside its
transaction right after the first entity (firm.yaml, changed here) was written, and say so on
stderr; the test kills it there.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import duckdb

from etl.loader import PAUSE_ENV, import_canonical
from tests.conftest import ROOT, write_folder
from tests.etl.canonical_fixtures import BASE_FILES
from warehouse.db import connect

ENTRIES = 5_000
TABLES_SQL = """
SELECT table_name FROM information_schema.tables
WHERE table_schema = 'main' AND table_type = 'BASE TABLE' ORDER BY table_name
"""


def digests(db) -> dict[str, tuple[int, str]]:
    """Every table's row count and an order-independent digest of its rows."""
    con = duckdb.connect(str(db))
    try:
        out = {}
        for (table,) in con.execute(TABLES_SQL).fetchall():
            out[table] = con.execute(
                f"""SELECT count(*), coalesce(md5(string_agg(h, '' ORDER BY h)), '')
                FROM (SELECT md5(CAST(t AS VARCHAR)) AS h FROM "{table}" t)"""
            ).fetchall()[0]
        return out
    finally:
        con.close()


def bigger_folder(folder):
    """The base firm changed: another timezone, a renamed person and 5,000 new entries."""
    firm = BASE_FILES["firm.yaml"].replace("America/New_York", "Europe/London")
    people = BASE_FILES["people.csv"].replace("Sam Lee", "Samuel Lee")
    write_folder(folder, {"firm.yaml": firm, "people.csv": people})
    rows = [
        f"X-{i},P-{1 + i % 2},2026-03-{1 + i % 28:02d},1.5,PR-1,work {i},true"
        for i in range(ENTRIES)
    ]
    (folder / "time_entries.csv").write_text(
        "entry_id,person_id,date,hours,project_id,notes,billable\n" + "\n".join(rows) + "\n"
    )


def run_import(db, folder, **env) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "etl", "--db", str(db), "import", "canonical", str(folder)],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_killed_import_leaves_the_warehouse_unchanged_and_a_rerun_completes(tmp_path):
    db = tmp_path / "w.duckdb"
    folder = write_folder(tmp_path / "firm", BASE_FILES)
    con = connect(db)
    import_canonical(con, folder)
    con.close()
    before = digests(db)
    assert before["time_entries"][0] == 3

    bigger_folder(folder)
    proc = run_import(db, folder, **{PAUSE_ENV: "120"})
    try:
        line = proc.stderr.readline()  # blocks until the import is inside its transaction
        assert line.startswith("paused after firm"), line + proc.stderr.read()
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        proc.kill()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL

    assert digests(db) == before  # nothing of the killed run: not the firm, not a load_log row

    rerun = run_import(db, folder)
    _, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err
    con = duckdb.connect(str(db))
    try:
        assert con.execute("SELECT timezone FROM firm").fetchall() == [("Europe/London",)]
        assert con.execute("SELECT name FROM people WHERE person_id = 'P-2'").fetchall() == [
            ("Samuel Lee",)
        ]
        assert con.execute("SELECT count(*) FROM time_entries").fetchall() == [(ENTRIES + 3,)]
        statuses = con.execute("SELECT status FROM load_log ORDER BY load_id").fetchall()
    finally:
        con.close()
    assert statuses == [("ok",), ("ok",)]
