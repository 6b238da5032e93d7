"""One audit_log row, written inside the caller's transaction, and the command lines' actor
(cli:<OS user>, --actor). app_auth sits below etl, so etl's own writes (syncs, imports) use it
too; app_auth.audit re-exports `record` and adds the readable view of the log."""

from __future__ import annotations

import argparse
import getpass
import json

import duckdb

INSERT_SQL = (
    "INSERT INTO audit_log VALUES (nextval('audit_id_seq'), now(), ?, ?, ?, ?, "
    "CAST(? AS JSON), CAST(? AS JSON), ?)"
)


def record(
    con: duckdb.DuckDBPyConnection,
    actor: str,
    action: str,
    object_type: str,
    object_id: str,
    before: dict | None = None,
    after: dict | None = None,
    reason: str | None = None,
) -> None:
    """One audit_log row: who, did what, to what, the values before and after, and why."""
    con.execute(
        INSERT_SQL,
        [
            actor,
            action,
            object_type,
            str(object_id),
            None if before is None else json.dumps(before, default=str),
            None if after is None else json.dumps(after, default=str),
            reason,
        ],
    ).fetchall()


ACTOR_HELP = "the name the audit log records, beside the OS user (default: cli:<OS user>)"


def cli_actor(claimed: str | None = None, kind: str = "cli") -> str:
    """The name a command-line or scheduled write records: `cli:<OS user>` (or `jobs:<OS
    user>`), or, with --actor NAME, `NAME (cli:<OS user>)`: the name a person gives is kept
    beside the account that ran the command, never instead of it."""
    try:
        me = f"{kind}:{getpass.getuser()}"
    except (KeyError, OSError):
        me = kind
    claimed = (claimed or "").strip()
    return f"{claimed} ({me})" if claimed else me


def add_actor_argument(parser: argparse.ArgumentParser, *, hidden: bool = False) -> None:
    """`--actor NAME` on a command line (hidden: the copy on a subcommand, so the option may
    also follow the subcommand, as --db does)."""
    if hidden:
        parser.add_argument("--actor", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    else:
        parser.add_argument("--actor", default=None, metavar="NAME", help=ACTOR_HELP)
