"""Every command line on every user error: exit 1, exactly one line on stderr, no traceback.

Each case runs the real `main(argv)` of `python -m etl`, `billing`, `rules` or `metrics`
in-process (a few through a subprocess, where another process must hold the warehouse). The
table is also what the report's "tracebacks before/after" counts (issue 11, item 6).
"""

from __future__ import annotations

import os
import subprocess
import sys
import traceback
from pathlib import Path

import pytest

from billing.__main__ import main as billing_main
from etl.__main__ import main as etl_main
from etl.loader import import_canonical
from metrics.__main__ import main as metrics_main
from rules.__main__ import main as rules_main
from tests.conftest import ROOT, write_folder
from tests.etl.canonical_fixtures import BASE_FILES
from warehouse.db import connect

MAINS = {"etl": etl_main, "billing": billing_main, "rules": rules_main, "metrics": metrics_main}


@pytest.fixture(scope="module")
def place(tmp_path_factory) -> Path:
    """A folder with a good warehouse, a corrupt one, and bad input files of every kind."""
    root = tmp_path_factory.mktemp("cli")
    firm = write_folder(root / "firm", BASE_FILES)
    con = connect(root / "good.duckdb")
    import_canonical(con, firm)
    con.close()
    # 64 KiB of bytes that are not DuckDB's (seeded, so every run sees the same file)
    (root / "corrupt.duckdb").write_bytes(bytes((i * 7919 + 13) % 256 for i in range(1 << 16)))
    (root / "binary.csv").write_bytes(bytes(range(256)) * 64)
    (root / "a_folder").mkdir()
    (root / "not_a_folder.txt").write_text("plain text\n")
    write_folder(root / "bad_yaml", BASE_FILES | {"contracts.yaml": "contracts: [\n  - {a: 1\n"})
    write_folder(root / "bad_firm_yaml", BASE_FILES | {"firm.yaml": "name: [unclosed\n"})
    (root / "bad.toml").write_text("[thresholds\nlong_day_hours = 10\n")
    (root / "empty_folder").mkdir()
    return root


def _argv(template: list[str], root: Path) -> list[str]:
    return [a.replace("{root}", str(root)) for a in template]


GOOD = ["--db", "{root}/good.duckdb"]
CORRUPT = ["--db", "{root}/corrupt.duckdb"]
UNDER_A_FILE = ["--db", "{root}/not_a_folder.txt/w.duckdb"]
A_DIRECTORY = ["--db", "{root}/a_folder"]

# (cli, argv, a word the one line must contain)
CASES = [
    ("etl", [*GOOD, "import", "canonical", "{root}/missing"], "missing"),
    ("etl", [*GOOD, "import", "canonical", "{root}/not_a_folder.txt"], "folder"),
    ("etl", [*GOOD, "import", "canonical", "{root}/empty_folder"], "none of the data"),
    ("etl", [*GOOD, "import", "canonical", "{root}/bad_yaml"], "contracts.yaml"),
    ("etl", [*GOOD, "import", "canonical", "{root}/bad_firm_yaml"], "firm.yaml"),
    ("etl", [*GOOD, "import", "harvest-csv", "{root}/missing.csv"], "missing.csv"),
    ("etl", [*GOOD, "import", "harvest-csv", "{root}/a_folder"], "a_folder"),
    ("etl", [*GOOD, "import", "toggl-csv", "{root}/binary.csv"], "binary.csv"),
    ("etl", [*GOOD, "import", "clockify-csv", "{root}/binary.csv"], "binary.csv"),
    ("etl", [*GOOD, "import", "ics", "{root}/binary.csv"], "binary.csv"),
    ("etl", [*GOOD, "import", "ics", "{root}/missing.ics"], "missing.ics"),
    ("etl", [*GOOD, "import", "ics", "{root}/empty_folder"], "no .ics"),
    ("etl", [*CORRUPT, "import", "canonical", "{root}/firm"], "not a valid DuckDB"),
    ("etl", [*UNDER_A_FILE, "import", "canonical", "{root}/firm"], "not_a_folder.txt"),
    ("etl", [*A_DIRECTORY, "import", "canonical", "{root}/firm"], "a_folder"),
    ("etl", [*CORRUPT, "demo", "--people", "3"], "DuckDB"),
    ("etl", [*GOOD, "demo", "--people", "0"], "people"),
    ("billing", [*GOOD, "draft", "--period", "2026-13"], "2026-13"),
    ("billing", [*GOOD, "draft", "--period", "March"], "March"),
    ("billing", [*GOOD, "draft", "--period", "2026-03", "--client", "CL-NOPE"], "CL-NOPE"),
    (
        "billing",
        [*GOOD, "draft", "--period", "2026-03", "--out", "{root}/no/such/dir/d.json"],
        "d.json",
    ),
    ("billing", [*GOOD, "draft", "--period", "2026-03", "--out", "{root}/a_folder"], "a_folder"),
    ("billing", [*CORRUPT, "draft", "--period", "2026-03"], "not a valid DuckDB"),
    ("billing", [*A_DIRECTORY, "draft", "--period", "2026-03"], "a_folder"),
    (
        "billing",
        ["--db", "{root}/no/such/w.duckdb", "draft", "--period", "2026-03"],
        "no warehouse",
    ),
    ("billing", [*CORRUPT, "aging", "--as-of", "2026-03-31"], "not a valid DuckDB"),
    ("billing", [*CORRUPT, "late-fees", "--as-of", "2026-03-31"], "not a valid DuckDB"),
    ("billing", [*CORRUPT, "reminders", "--as-of", "2026-03-31"], "not a valid DuckDB"),
    ("billing", [*CORRUPT, "ar-sync"], "not a valid DuckDB"),
    ("billing", [*UNDER_A_FILE, "ar-sync"], "not_a_folder.txt"),
    (
        "rules",
        [*GOOD, "run", "--as-of", "2026-03-31", "--config", "{root}/missing.toml"],
        "missing.toml",
    ),
    ("rules", [*GOOD, "run", "--as-of", "2026-03-31", "--config", "{root}/bad.toml"], "toml"),
    ("rules", [*GOOD, "run", "--as-of", "2026-03-31", "--config", "{root}/binary.csv"], "binary"),
    ("rules", [*CORRUPT, "run", "--as-of", "2026-03-31"], "not a valid DuckDB"),
    ("rules", [*A_DIRECTORY, "run", "--as-of", "2026-03-31"], "a_folder"),
    ("rules", [*GOOD, "classify", "--llm", "off", "--config", "{root}/bad.toml"], "toml"),
    ("rules", [*CORRUPT, "classify", "--llm", "off"], "not a valid DuckDB"),
    ("rules", [*GOOD, "review", "--llm", "off", "--config", "{root}/bad.toml"], "toml"),
    ("rules", [*CORRUPT, "review", "--llm", "off"], "not a valid DuckDB"),
    ("rules", [*A_DIRECTORY, "review", "--llm", "off"], "a_folder"),
    ("metrics", [*GOOD, "kpis", "--period", "2026-13"], "2026-13"),
    ("metrics", [*GOOD, "kpis", "--period", "2026-03", "--client", "CL-NOPE"], "CL-NOPE"),
    ("metrics", [*GOOD, "kpis", "--period", "2026-03", "--team", "Nope"], "Nope"),
    ("metrics", [*CORRUPT, "kpis", "--period", "2026-03"], "not a valid DuckDB"),
    ("metrics", [*A_DIRECTORY, "kpis", "--period", "2026-03"], "a_folder"),
]


def run_case(cli: str, argv: list[str], capsys) -> tuple[int | None, str, str | None]:
    """(exit code, stderr, the traceback when an exception escaped main)."""
    try:
        code = MAINS[cli](argv)
    except SystemExit as exit_:
        code = exit_.code
    except Exception:  # noqa: BLE001 - what the user would see as a traceback
        return None, capsys.readouterr().err, traceback.format_exc()
    return code, capsys.readouterr().err, None


@pytest.mark.parametrize(
    ("cli", "argv", "word"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)]
)
def test_user_error_is_one_line_and_exit_1(place, capsys, cli, argv, word, monkeypatch):
    monkeypatch.setenv("BILLING_TODAY", "2026-04-15")
    monkeypatch.delenv("CLI_TRACEBACK", raising=False)
    code, err, tb = run_case(cli, _argv(argv, place), capsys)
    assert tb is None, tb
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 1, err
    assert len(lines) == 1, err
    assert lines[0].startswith("error: ") and "Traceback" not in err
    assert word.lower() in lines[0].lower()


def test_a_bug_still_shows_its_traceback(monkeypatch):
    """Only user errors become one line: anything else keeps its traceback."""
    from core.cli_errors import cli_errors

    @cli_errors
    def buggy(argv):
        return {}["missing key"]

    with pytest.raises(KeyError):
        buggy([])


def test_cli_traceback_env_shows_the_traceback_of_a_user_error(monkeypatch):
    from core.cli_errors import cli_errors

    @cli_errors
    def failing(argv):
        raise ValueError("bad value")

    assert failing([]) == 1
    monkeypatch.setenv("CLI_TRACEBACK", "1")
    with pytest.raises(ValueError, match="bad value"):
        failing([])


def _run(*args: str, **kw) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "CLI_TRACEBACK"}
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        **kw,
    )


@pytest.fixture
def locked(place):
    """Another process holds the good warehouse open read-write (DuckDB's file lock)."""
    code = (
        "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
        "print('locked', flush=True); time.sleep(120)"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(place / "good.duckdb")], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline().strip() == "locked"
    yield place / "good.duckdb"
    holder.kill()
    holder.wait()


@pytest.mark.parametrize(
    "argv",
    [
        ["metrics", "kpis", "--period", "2026-03"],
        ["etl", "import", "canonical", "{root}/firm"],  # waits 10 s for the lock first
    ],
)
def test_locked_warehouse_is_one_line(place, locked, argv):
    args = [argv[0], "--db", str(locked), *_argv(argv[1:], place)]
    result = _run(*args)
    assert result.returncode == 1, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert "busy" in lines[0] or "load is writing" in lines[0]
