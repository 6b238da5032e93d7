"""`python -m jobs run [--job NAME] [--force]`: one pass (cron: every 5 minutes);
`python -m jobs loop [--every SECONDS]`: a pass a minute (a systemd service);
`python -m jobs status`: each job's last run. All take --db and --config.

Exit codes (DESIGN.md): 0 success (run: every job that ran succeeded), 1 a user error or a
failed job, 2 bad usage."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from core.cli_errors import UserError, cli_errors
from jobs.runner import last_runs, run_pass
from jobs.schedule import load_schedules
from jobs.tasks import JOBS
from warehouse.db import connect, resolve_db_path


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m jobs", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--db", help="warehouse file (default $WAREHOUSE_DB or data/warehouse.duckdb)"
    )
    parser.add_argument("--config", help="jobs config TOML (default jobs/config.toml)")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run", help="run every job that is due now, once per slot")
    run.add_argument("--job", choices=sorted(JOBS), help="only this job")
    run.add_argument("--force", action="store_true", help="with --job: run it even if not due")
    loop = sub.add_parser("loop", help="a pass every --every seconds until stopped")
    loop.add_argument("--every", type=float, default=60.0)
    sub.add_parser("status", help="each job's last run and its result")
    return parser


def _pass(args) -> int:
    schedules = load_schedules(Path(args.config) if args.config else None)
    path = resolve_db_path(args.db)
    if not path.exists():
        raise UserError(f"no warehouse at {path}: run `python -m etl demo` or an import first")
    con = connect(path)
    try:
        results = run_pass(
            con,
            schedules=schedules,
            only=getattr(args, "job", None),
            force=getattr(args, "force", False),
        )
    finally:
        con.close()
    for result in results:
        print(result.line(), flush=True)
    return 1 if any(r.status == "failed" for r in results) else 0


@cli_errors
def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "run":
        if args.force and not args.job:
            raise UserError("--force needs --job")
        return _pass(args)
    if args.command == "loop":
        while True:  # the connection is opened per pass, so the app and imports get turns
            _pass(args)
            time.sleep(args.every)
    con = connect(resolve_db_path(args.db))
    try:
        rows = last_runs(con)
    finally:
        con.close()
    for job, slot, status, started, finished, message in rows:
        print(f"{job:<20} {slot:<22} {status:<8} {started:%Y-%m-%d %H:%M} {message or ''}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
