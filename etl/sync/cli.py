"""`python -m etl sync [--source NAME] [--full]`: runs one source, or every configured one
(credentials present) plus any a webhook asked for. Prints what each loaded and how many
requests it took; credential and API errors are one line (exit 1)."""

from __future__ import annotations

import argparse
import time

from app_auth import audit_row
from core.cli_errors import UserError
from etl.sync.registry import names
from warehouse.attribution_snapshot import refresh_after_write
from warehouse.db import resolve_db_path

# The sync machinery (httpx, tenacity, the loader and polars) is imported by `cmd_sync`, not
# here: `python -m etl` builds this parser for every command, an import of 15 rows included.


def add_parser(sub) -> argparse.ArgumentParser:
    sync = sub.add_parser("sync", help="pull changes from the configured tracker APIs")
    sync.add_argument("--source", choices=names(), help="one source (default: every configured)")
    sync.add_argument(
        "--full", action="store_true", help="ignore the stored cursors and pull everything again"
    )
    from etl.validate_cli import add_validate_flag

    add_validate_flag(sync)
    return sync


def add_webhooks_parser(sub) -> argparse.ArgumentParser:
    hooks = sub.add_parser("webhooks", help="receive tracker webhooks and queue syncs")
    hooks.add_argument("--host", default="127.0.0.1", help="address to listen on")
    hooks.add_argument("--port", type=int, default=8787)
    return hooks


def cmd_webhooks(args: argparse.Namespace, open_warehouse) -> int:
    """Serves until interrupted; each verified call opens the warehouse briefly."""
    from etl.sync.webhooks import make_server

    server = make_server(args.host, args.port, lambda: open_warehouse(args.db))
    print(f"webhooks: listening on http://{args.host}:{args.port}/hooks/<source>", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def cmd_sync(args: argparse.Namespace, open_warehouse, print_report) -> int:
    from etl.sync.http import SyncError
    from etl.sync.run import SyncContext, configured_sources, pending_sources, run_sync
    from etl.validate_cli import mode_of
    from etl.validation import after_commit

    ctx = SyncContext(full=args.full)
    mode = mode_of(args)
    loads: list[int] = []  # validated after the warehouse is closed (background, off)
    con = open_warehouse(args.db)
    try:
        if args.source:
            chosen = [args.source]
        else:
            chosen = sorted(set(configured_sources(ctx.settings)) | set(pending_sources(con)))
        if not chosen:
            raise UserError(
                "no sync source is configured (set e.g. HARVEST_ACCESS_TOKEN and "
                "HARVEST_ACCOUNT_ID; see docs/connectors.md)"
            )
        failed = []
        for name in chosen:
            started = time.perf_counter()
            try:
                report = run_sync(con, name, ctx, actor=audit_row.cli_actor(args.actor))
            except SyncError as err:  # one source's problem; the others still run
                if len(chosen) == 1:
                    raise
                failed.append(str(err))
                continue
            elapsed = time.perf_counter() - started
            print_report(
                report.load,
                f"{name}: {report.fetched} record(s) in {report.requests} request(s), "
                f"{report.rows_changed} row(s) changed, {elapsed:.1f}s",
            )
            if mode == "now":
                print(after_commit(con, args.db, report.load.load_id, mode)[0])
            else:
                loads.append(report.load.load_id)
        refresh_after_write(con)  # the synced rows are committed; pages read the new state
    finally:
        con.close()
    for load_id in loads:
        print(after_commit(None, resolve_db_path(args.db), load_id, mode)[0])
    if failed:
        raise UserError("; ".join(failed))
    return 0
