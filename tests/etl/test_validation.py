"""Great-expectations validation after the commit (etl/validation.py, `etl validate`,
`etl import --validate`): the load's rows are committed first, the suite runs on them afterwards,
a failure is recorded and never deletes a row, and two validators never both run one load.

The time entries of BASE_FILES (3 rows) have 8 expectations, counted from etl/contract.py:
entry_id not null and unique, person_id not null, date not null and typed, hours not null and
between 0 and 24, work_type in its set."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from etl import validation
from etl.__main__ import main
from etl.loader import import_canonical
from tests.conftest import ROOT, write_folder
from tests.etl.canonical_fixtures import BASE_FILES
from tests.support.warehouse import held_by_writer
from warehouse import attribution_snapshot
from warehouse.db import connect

TIME_ENTRY_EXPECTATIONS = 8
SETTLE_SECONDS = 120  # a generous bound for a detached validator on a loaded machine


def validation_row(db: Path, load_id: int) -> dict:
    con = connect(db, read_only=True, wait_seconds=SETTLE_SECONDS)
    try:
        cur = con.execute("SELECT * FROM load_validation WHERE load_id = ?", [load_id])
        rows = cur.fetchall()
        return dict(zip([d[0] for d in cur.description], rows[0], strict=True)) if rows else {}
    finally:
        con.close()


def wait_until_done(db: Path, load_id: int) -> dict:
    deadline = time.monotonic() + SETTLE_SECONDS
    while time.monotonic() < deadline:
        row = validation_row(db, load_id)
        if row.get("status") in ("passed", "failed"):
            return row
        time.sleep(0.2)
    raise AssertionError(f"load {load_id} still {row.get('status')} after {SETTLE_SECONDS}s")


def run_etl(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "etl", *args],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_a_committed_load_waits_pending_with_its_rows_already_there(tmp_path, con):
    folder = write_folder(tmp_path / "firm", BASE_FILES)
    report = import_canonical(con, folder)
    assert con.execute("SELECT count(*) FROM time_entries").fetchall() == [(3,)]
    assert con.execute("SELECT load_id, status FROM load_validation").fetchall() == [
        (report.load_id, "pending")
    ]
    assert con.execute("SELECT count(*) FROM validation_results").fetchall() == [(0,)]


def test_a_failed_load_leaves_no_validation_row(tmp_path, con):
    with pytest.raises(FileNotFoundError):  # a folder without a contract file: load 1 fails
        import_canonical(con, write_folder(tmp_path / "empty", {}))
    assert con.execute("SELECT load_id, status FROM load_log").fetchall() == [(1, "failed")]
    assert con.execute("SELECT count(*) FROM load_validation").fetchall() == [(0,)]


def test_background_validation_records_passed(tmp_path, db_path):
    folder = write_folder(tmp_path / "firm", BASE_FILES)
    done = run_etl(
        "--db", str(db_path), "import", "canonical", str(folder), "--validate", "background"
    )
    assert done.returncode == 0, done.stderr
    assert "load 1: validating in the background" in done.stdout
    row = wait_until_done(db_path, 1)
    assert row["status"] == "passed" and row["error"] is None
    assert row["failed_expectations"] == 0
    con = connect(db_path, read_only=True, wait_seconds=SETTLE_SECONDS)
    try:
        entries = con.execute(
            "SELECT count(*), bool_and(success), max(element_count) FROM validation_results "
            "WHERE load_id = 1 AND entity = 'time_entries'"
        ).fetchall()
        # The import returned before refreshing the attribution snapshot; the detached
        # validator brought it up to date before running the suite.
        assert attribution_snapshot.is_current(con)
    finally:
        con.close()
    assert entries == [(TIME_ENTRY_EXPECTATIONS, True, 3)]


def test_validate_now_prints_the_outcome_before_returning(tmp_path, db_path, capsys):
    folder = write_folder(tmp_path / "firm", BASE_FILES)
    assert (
        main(["--db", str(db_path), "import", "canonical", str(folder), "--validate", "now"]) == 0
    )
    out = capsys.readouterr().out
    assert "load 1: validation passed" in out
    assert validation_row(db_path, 1)["status"] == "passed"


def test_a_failing_expectation_records_failed_and_keeps_the_rows(tmp_path, db_path):
    con = connect(db_path)
    try:
        report = import_canonical(con, write_folder(tmp_path / "firm", BASE_FILES))
        # The committed data is what the suite checks: a row changed after the SQL checks
        # (by hand, by a bug) is what it is there to catch.
        con.execute("UPDATE time_entries SET hours = 30 WHERE entry_id = 'T-2'")
    finally:
        con.close()
    outcome = validation.validate_load(validation.file_opener(db_path), report.load_id)
    assert outcome.status == "failed"
    assert outcome.failed_expectations == 1
    assert outcome.failures == (
        "time_entries.hours expect_column_values_to_be_between: 1 unexpected of 3",
    )
    row = validation_row(db_path, report.load_id)
    assert (row["status"], row["failed_expectations"]) == ("failed", 1)
    con = connect(db_path, read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM time_entries").fetchall() == [(3,)]
        failed = con.execute(
            "SELECT entity, column_name, unexpected_count FROM validation_results "
            "WHERE load_id = ? AND NOT success",
            [report.load_id],
        ).fetchall()
    finally:
        con.close()
    assert failed == [("time_entries", "hours", 1)]


def test_pending_picks_up_every_pending_load(tmp_path, db_path, capsys):
    con = connect(db_path)
    try:
        folder = write_folder(tmp_path / "firm", BASE_FILES)
        import_canonical(con, folder)
        (folder / "time_entries.csv").write_text(
            (folder / "time_entries.csv").read_text().replace("6.25", "7")
        )
        second = import_canonical(con, folder)  # T-2 updated: load 2 has one entry
    finally:
        con.close()
    assert second.load_id == 2
    assert main(["--db", str(db_path), "validate", "--pending"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == ["load 1", "load 2"]
    assert all("validation passed" in line for line in lines)
    assert "on 1 row(s) of 1 entity" in lines[1]
    assert main(["--db", str(db_path), "validate", "--pending"]) == 0
    assert capsys.readouterr().out == "no load is waiting for validation\n"


def test_a_claim_is_exclusive_when_two_validators_try_at_once(tmp_path, db_path):
    con = connect(db_path)
    try:
        report = import_canonical(con, write_folder(tmp_path / "firm", BASE_FILES))
        others = [con.cursor() for _ in range(4)]  # each its own connection to the file
        barrier = threading.Barrier(len(others))
        won: list[bool] = []

        def try_claim(c, n: int) -> None:
            barrier.wait()
            won.append(validation.claim(c, report.load_id, f"validator-{n}"))

        threads = [threading.Thread(target=try_claim, args=(c, n)) for n, c in enumerate(others)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(won) == [False, False, False, True]
        assert con.execute(
            "SELECT status FROM load_validation WHERE load_id = ?", [report.load_id]
        ).fetchall() == [("running",)]
    finally:
        con.close()


def test_two_validate_commands_at_once_run_the_suite_once(tmp_path, db_path):
    con = connect(db_path)
    try:
        import_canonical(con, write_folder(tmp_path / "firm", BASE_FILES))
    finally:
        con.close()
    argv = [sys.executable, "-m", "etl", "--db", str(db_path), "validate", "--load", "1"]
    procs = [
        subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outputs
    ran = [out for out, _ in outputs if "validation passed" in out]
    assert len(ran) == 1, outputs
    other = next(out for out, _ in outputs if out not in ran)
    assert "already validated, passed" in other or "being validated by" in other
    con = connect(db_path, read_only=True)
    try:
        suite_size = con.execute(
            "SELECT count(*), count(DISTINCT (entity, expectation, column_name)) "
            "FROM validation_results WHERE load_id = 1"
        ).fetchall()[0]
    finally:
        con.close()
    assert suite_size[0] == suite_size[1] > TIME_ENTRY_EXPECTATIONS  # one set, not two


def test_a_stale_claim_is_taken_over_a_fresh_one_is_not(tmp_path, con):
    report = import_canonical(con, write_folder(tmp_path / "firm", BASE_FILES))
    assert validation.claim(con, report.load_id, "died")
    assert not validation.claim(con, report.load_id, "second")
    con.execute(
        "UPDATE load_validation SET started_at = started_at - INTERVAL 2 HOUR WHERE load_id = ?",
        [report.load_id],
    )
    assert validation.claim(con, report.load_id, "second")
    assert con.execute("SELECT claimed_by FROM load_validation").fetchall() == [("second",)]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--load", "7"], 1, "error: no load 7 in the warehouse"),
        (["--load", "2"], 1, "error: load 2 failed: it committed nothing to validate"),
    ],
)
def test_validate_refuses_a_bad_load_in_one_line(tmp_path, db_path, args, code, message):
    con = connect(db_path)
    try:
        import_canonical(con, write_folder(tmp_path / "firm", BASE_FILES))
        with pytest.raises(FileNotFoundError):
            import_canonical(con, write_folder(tmp_path / "empty", {}))  # load 2, failed
    finally:
        con.close()
    done = run_etl("--db", str(db_path), "validate", *args)
    assert (done.returncode, done.stderr.strip()) == (code, message)
    assert "Traceback" not in done.stderr


def test_validate_usage_and_missing_warehouse_errors(tmp_path):
    missing = tmp_path / "nope.duckdb"
    not_a_number = run_etl("--db", str(missing), "validate", "--load", "x")
    assert not_a_number.returncode == 2
    assert "argument --load: not a load id (a whole number from 1): 'x'" in not_a_number.stderr
    zero = run_etl("--db", str(missing), "validate", "--load", "0")
    assert zero.returncode == 2 and "not a load id" in zero.stderr
    absent = run_etl("--db", str(missing), "validate", "--pending")
    assert (absent.returncode, absent.stderr.strip()) == (1, f"error: {missing}: no such warehouse")
    assert not missing.exists()  # validating never creates a warehouse


def test_a_bad_etl_validate_setting_is_one_line(tmp_path, db_path):
    folder = write_folder(tmp_path / "firm", BASE_FILES)
    done = run_etl(
        "--db", str(db_path), "import", "canonical", str(folder), env={"ETL_VALIDATE": "later"}
    )
    assert done.returncode == 1
    assert done.stderr.strip() == (
        "error: ETL_VALIDATE='later': expected one of background, now, off"
    )


def test_again_reruns_a_finished_validation(tmp_path, db_path, capsys):
    con = connect(db_path)
    try:
        import_canonical(con, write_folder(tmp_path / "firm", BASE_FILES))
    finally:
        con.close()
    assert main(["--db", str(db_path), "validate", "--load", "1"]) == 0
    assert main(["--db", str(db_path), "validate", "--load", "1"]) == 0
    assert main(["--db", str(db_path), "validate", "--load", "1", "--again"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "validation passed" in lines[0]
    assert lines[1].startswith("load 1: already validated, passed (0 of ")
    assert "validation passed" in lines[2]
    con = connect(db_path, read_only=True)
    try:
        counts = con.execute(
            "SELECT count(*) FROM validation_results WHERE load_id = 1 AND entity = 'time_entries'"
        ).fetchall()
    finally:
        con.close()
    assert counts == [(TIME_ENTRY_EXPECTATIONS,)]  # replaced, not doubled


def test_a_short_wait_gives_up_on_a_held_file(tmp_path, db_path):
    connect(db_path).close()
    with held_by_writer(db_path), pytest.raises(duckdb.IOException):
        connect(db_path, wait_seconds=0.3)


def test_a_waiting_validator_gets_the_file_when_the_writer_lets_go(tmp_path, db_path):
    con = connect(db_path)
    try:
        import_canonical(con, write_folder(tmp_path / "firm", BASE_FILES))
    finally:
        con.close()
    with held_by_writer(db_path):
        waiting = subprocess.Popen(
            [sys.executable, "-m", "etl", "--db", str(db_path), "validate", "--load", "1"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(1.0)  # CLI_WAIT_SECONDS would not matter: the validator waits minutes
        assert waiting.poll() is None
    out, err = waiting.communicate(timeout=300)
    assert waiting.returncode == 0, err
    assert "load 1: validation passed" in out
