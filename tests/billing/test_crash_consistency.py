"""A late-fee run killed midway (SIGKILL, inside its transaction after its first charge) leaves
the warehouse exactly as it was, and the next run charges the right fees."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import duckdb

from billing.ar.cli import PAUSE_ENV, PAUSE_MARKER
from tests.billing.race_firm import EXPECTED_FEES, FEES_AS_OF, build_race_db

ROOT = Path(__file__).resolve().parents[2]


def table_digests(db: Path) -> dict[str, tuple[int, str]]:
    """(rows, sha256 of the rows in a stable order) of every table of the warehouse, read
    through a plain read-only connection closed right after."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        tables = [
            r[0]
            for r in con.execute(
                "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
                "ORDER BY 1"
            ).fetchall()
        ]
        digests = {}
        for table in tables:  # names from the catalog itself, quoted
            rows = sorted(repr(r) for r in con.execute(f'SELECT * FROM "{table}"').fetchall())
            digests[table] = (len(rows), hashlib.sha256("\n".join(rows).encode()).hexdigest())
        return digests
    finally:
        con.close()


def _late_fees(db: Path, env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
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
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_late_fee_run_killed_midway_changes_nothing_and_a_rerun_charges_once(tmp_path):
    db = build_race_db(tmp_path)
    before = table_digests(db)
    assert before["late_fee_charges"][0] == 0

    run = _late_fees(db, os.environ | {PAUSE_ENV: "60"})
    try:
        assert run.stderr.readline().strip() == PAUSE_MARKER  # first charge written, no commit
        run.send_signal(signal.SIGKILL)
        assert run.wait(timeout=30) == -signal.SIGKILL
    finally:
        if run.poll() is None:
            run.kill()
        run.stdout.close()
        run.stderr.close()

    assert table_digests(db) == before

    env = {k: v for k, v in os.environ.items() if k != PAUSE_ENV}
    rerun = _late_fees(db, env)
    out, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err
    charged = {c["invoice_id"]: c["amount"] for c in json.loads(out)["charges"]}
    assert charged == {k: str(v) for k, v in EXPECTED_FEES.items()}  # 150.00 and 30.00
    after = table_digests(db)
    assert after["late_fee_charges"][0] == 2
    # the completed run adds its charges and one audit row (who accrued); nothing else changes
    assert after["audit_log"][0] == before["audit_log"][0] + 1
    changed = ("late_fee_charges", "audit_log")
    assert {t: d for t, d in after.items() if t not in changed} == {
        t: d for t, d in before.items() if t not in changed
    }
