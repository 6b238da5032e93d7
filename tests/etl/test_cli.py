"""`python -m etl` as a user runs it: one summary line per entity, exit codes of DESIGN.md."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT, write_folder
from tests.etl.canonical_fixtures import BASE_FILES


def run_etl(*args: str, db=None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    if db:
        env["WAREHOUSE_DB"] = str(db)
    return subprocess.run(
        [sys.executable, "-m", "etl", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_import_prints_one_line_per_entity(tmp_path, db_path):
    folder = write_folder(tmp_path / "firm", BASE_FILES)
    result = run_etl("import", "canonical", str(folder), db=db_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    entity_lines = [line for line in lines if " new " in line]
    assert [line.split()[0] for line in entity_lines] == [
        "firm",
        "clients",
        "people",
        "projects",
        "contracts",
        "rates",
        "time_entries",
    ]
    assert "3 new" in entity_lines[-1] and "0 quarantined" in entity_lines[-1]


def test_strict_exits_1_only_when_something_was_quarantined(tmp_path, db_path):
    folder = write_folder(tmp_path / "firm", BASE_FILES)
    assert run_etl("import", "canonical", str(folder), "--strict", db=db_path).returncode == 0
    with (folder / "time_entries.csv").open("a") as f:
        f.write("T-9,P-1,2026-03-05,30,PR-1,x,true,\n")
    lenient = run_etl("import", "canonical", str(folder), db=db_path)
    assert lenient.returncode == 0
    assert "time_entries.csv:5: hours 30 exceed 24" in lenient.stdout
    strict = run_etl("import", "canonical", str(folder), "--strict", db=db_path)
    assert strict.returncode == 1
    assert strict.stderr.strip() == "error: 1 row(s) quarantined (--strict)"


def test_user_errors_are_one_line_without_traceback(tmp_path, db_path):
    missing = run_etl("import", "canonical", str(tmp_path / "nope"), db=db_path)
    assert missing.returncode == 1
    assert missing.stderr.count("\n") == 1 and "Traceback" not in missing.stderr
    folder = write_folder(tmp_path / "f", {"time_entries.csv": "entry_id,date\nT-1,2026-01-01\n"})
    bad_file = run_etl("import", "canonical", str(folder), "--db", str(db_path))
    assert bad_file.returncode == 1
    assert "time_entries.csv: missing required columns 'person_id', 'hours'" in bad_file.stderr
    assert "Traceback" not in bad_file.stderr


def test_bad_usage_exits_2(db_path):
    assert run_etl("import", "quickbooks-xls", "x", db=db_path).returncode == 2
    assert run_etl(db=db_path).returncode == 2
