"""The app's sessions share one process: a page action while another session reads, a read
while another session writes, turns for writes, an import from another process while the app
is idle or busy, and opening without re-creating the views (docs/warehouse.md)."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import warehouse.access
import warehouse.db
from billing.ar.late_fees import accrue_late_fees
from metrics.session import kpi_connection
from tests.billing.race_firm import EXPECTED_FEES, FEES_AS_OF, build_race_db
from tests.support.sessions import overlap
from tests.support.warehouse import held_by_writer
from warehouse.db import MARTS_DIR, WarehouseBusy, connect, marts_digest
from warehouse.sessions import held, read_only, read_write

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return build_race_db(tmp_path)


@pytest.fixture
def short_waits(monkeypatch):
    """Busy is decided after 0.3 s instead of seconds: the tests wait less."""
    monkeypatch.setattr(warehouse.access, "FILE_WAIT_SECONDS", 0.3)
    monkeypatch.setattr(warehouse.access, "WRITER_WAIT_SECONDS", 0.3)


def _charges(con) -> dict:
    return dict(
        con.execute("SELECT invoice_id, sum(amount) FROM late_fee_charges GROUP BY ALL").fetchall()
    )


def test_an_action_while_another_session_reads_goes_through(db):
    """Before: DuckDB refused the action's read-write connection while another session's
    read-only one was open ("different configuration"), so the action failed."""
    reading, done = threading.Event(), threading.Event()

    def other_session() -> None:
        with read_only(db) as con:
            con.execute("SELECT count(*) FROM invoices").fetchall()
            reading.set()
            done.wait(30)

    other = threading.Thread(target=other_session)
    other.start()
    try:
        assert reading.wait(30)
        with read_write(db) as con:
            written = accrue_late_fees(con, FEES_AS_OF, "Dana")
    finally:
        done.set()
        other.join()
    assert {c["invoice_id"]: c["amount"] for c in written} == EXPECTED_FEES


def test_a_read_while_another_session_writes_sees_the_last_commit(db):
    """Session A is inside its late-fee transaction (one charge written, not committed) when
    session B reads: B's bare read and its KPI read succeed and see no charge; after A
    commits, a read sees both charges."""

    def accrue(pause):
        with read_write(db) as con:
            return accrue_late_fees(con, FEES_AS_OF, "A", pause=pause)

    def read():
        with read_only(db) as con:
            seen = _charges(con)
        with kpi_connection(db, last_day=FEES_AS_OF) as con:  # TEMP tables in a read: fine
            fx_days = con.execute("SELECT count(*) FROM fx_to_base").fetchall()[0][0]
        return seen, fx_days

    a, b = overlap(accrue, read)
    assert a.error is None and b.error is None
    assert b.value[0] == {}
    assert b.value[1] > 0  # the KPI connection's FX day table was built
    with read_only(db) as con:
        assert _charges(con) == EXPECTED_FEES


def test_a_read_block_cannot_write(db):
    with read_only(db) as con, pytest.raises(Exception, match="read-only"):
        con.execute("DELETE FROM late_fee_charges")


def test_an_action_waiting_past_its_turn_is_busy_and_writes_nothing(db, short_waits):
    def slow(pause):
        with read_write(db) as con:
            return accrue_late_fees(con, FEES_AS_OF, "A", pause=lambda: (pause(), time.sleep(0.5)))

    def second():
        with read_write(db) as con:
            return accrue_late_fees(con, FEES_AS_OF, "B")

    a, b = overlap(slow, second)
    assert a.error is None
    assert isinstance(b.error, WarehouseBusy)
    assert str(b.error).startswith("The warehouse is busy; try again in a moment.")
    with read_only(db) as con:
        assert _charges(con) == EXPECTED_FEES


def test_another_process_writing_makes_reads_and_actions_busy(db, short_waits):
    with held_by_writer(db):
        with pytest.raises(WarehouseBusy), read_only(db):
            pass
        with pytest.raises(WarehouseBusy), read_write(db):
            pass
    with read_write(db) as con:  # and free again once it is done
        assert accrue_late_fees(con, FEES_AS_OF, "Dana")


def test_a_read_only_connection_in_the_same_process_makes_the_app_busy_not_broken(db, short_waits):
    """DuckDB's "different configuration" refusal is the busy message too."""
    other = connect(db, read_only=True)
    try:
        with pytest.raises(WarehouseBusy), read_write(db):
            pass
    finally:
        other.close()


def _late_fees_cli(db: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "billing",
            "--db",
            str(db),
            "late-fees",
            "--as-of",
            FEES_AS_OF.isoformat(),
            "--format",
            "json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_command_line_write_gets_in_while_the_app_is_idle_and_waits_while_it_reads(db):
    with read_only(db) as con:  # the app has read and is idle again
        con.execute("SELECT count(*) FROM invoices").fetchall()
    assert warehouse.access.open_sessions(db) == 0
    holding, released_at = threading.Event(), []

    def session_reading_for_a_while() -> None:
        with read_only(db) as con:
            con.execute("SELECT count(*) FROM invoices").fetchall()
            holding.set()
            time.sleep(2.0)
        released_at.append(time.monotonic())

    reader = threading.Thread(target=session_reading_for_a_while)
    reader.start()
    assert holding.wait(30)
    done = _late_fees_cli(db)
    finished = time.monotonic()
    reader.join()
    assert done.returncode == 0, done.stderr
    assert finished >= released_at[0]  # it waited for the read, then wrote
    charged = {c["invoice_id"]: c["amount"] for c in json.loads(done.stdout)["charges"]}
    assert charged == {k: str(v) for k, v in EXPECTED_FEES.items()}


def _file_state(db: Path) -> tuple:
    wal = db.with_name(db.name + ".wal")
    return hashlib.sha256(db.read_bytes()).hexdigest(), db.stat().st_mtime_ns, wal.exists()


def test_opening_the_warehouse_writes_nothing(db):
    """Before, every open re-created the mart views (CREATE OR REPLACE VIEW), so two sessions
    opening at once collided on the catalog and every open rewrote the file."""
    before = _file_state(db)
    connect(db).close()
    with read_only(db):
        pass
    with read_write(db):
        pass
    assert _file_state(db) == before


def test_the_views_are_re_created_when_their_sql_changed(db, tmp_path, monkeypatch):
    marts = Path(shutil.copytree(MARTS_DIR, tmp_path / "marts"))
    (marts / "990_probe.sql").write_text("CREATE OR REPLACE VIEW probe AS SELECT 42 AS answer\n")
    monkeypatch.setattr(warehouse.db, "MARTS_DIR", marts)
    with read_only(db) as con:
        assert con.execute("SELECT answer FROM probe").fetchall() == [(42,)]
        stored = con.execute("SELECT value FROM warehouse_meta WHERE key = 'marts_sha256'")
        assert stored.fetchall() == [(marts_digest(),)]


def test_sessions_opening_at_the_same_moment_do_not_collide(db):
    """Before, each open re-created the views, and opens at the same moment on the shared
    instance failed with a catalog write-write conflict. Four sessions, five rounds each, all
    starting together: every read and every (empty) action goes through."""
    start, errors = threading.Barrier(4), []

    def session(n: int) -> None:
        for _ in range(5):
            start.wait(30)
            try:
                if n % 2:
                    with read_write(db) as con:
                        con.execute("SELECT count(*) FROM invoices").fetchall()
                else:
                    connect(db).close()
                    with read_only(db) as con:
                        con.execute("SELECT count(*) FROM mart_time_entries").fetchall()
            except Exception as err:  # noqa: BLE001 - collected, asserted below
                errors.append(err)

    threads = [threading.Thread(target=session, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []


def test_opening_while_another_thread_closes_the_last_connection_waits(db):
    """DuckDB refuses, for a moment, to open a file that another thread of the process is
    closing its last connection to ("Unique file handle conflict"); opening waits instead of
    failing. Four threads open and close the file as fast as they can, 400 times each
    (without the wait, some of the 1,600 opens failed in most runs)."""
    errors = []

    def opener() -> None:
        for _ in range(400):
            try:
                connect(db).close()
            except Exception as err:  # noqa: BLE001 - collected, asserted below
                errors.append(err)

    threads = [threading.Thread(target=opener) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []


def _other_process_opens(db: Path) -> bool:
    """Whether another process can open the file right now (no waiting)."""
    code = "import duckdb, sys\nduckdb.connect(sys.argv[1]).close()"
    done = subprocess.run([sys.executable, "-c", code, str(db)], capture_output=True, timeout=60)
    return done.returncode == 0


def test_a_page_run_keeps_the_file_open_across_its_reads_and_lets_go_after(db):
    """app.py holds the warehouse for one run of a page: its reads share one opening of the
    file (between them the file stays open), and once the run ends another process gets it."""
    with held(db):
        with read_only(db) as con:
            con.execute("SELECT count(*) FROM invoices").fetchall()
        assert warehouse.access.open_sessions(db) == 1  # still open between two reads
        assert not _other_process_opens(db)
        with read_only(db) as con:
            assert con.execute("SELECT count(*) FROM invoices").fetchall()[0][0] > 0
    assert warehouse.access.open_sessions(db) == 0
    assert _other_process_opens(db)


def test_holding_a_missing_or_busy_warehouse_leaves_it_to_the_reads(tmp_path, db, short_waits):
    missing = tmp_path / "none.duckdb"
    with held(missing):
        with read_only(missing) as con:  # reads as an empty warehouse, as without the hold
            assert con.execute("SELECT count(*) FROM invoices").fetchall() == [(0,)]
    assert not missing.exists()
    with held_by_writer(db), held(db):
        assert warehouse.access.open_sessions(db) == 0
        with pytest.raises(WarehouseBusy), read_only(db):
            pass
