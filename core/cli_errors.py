"""One wrapper for every command line's user errors: one line on stderr, exit 1, no traceback.

`python -m etl`, `billing`, `rules` and `metrics` decorate their `main(argv)` with `cli_errors`.
A user error is something the person at the keyboard can fix — a missing or unreadable file, a
value that does not parse, a warehouse file that is locked, damaged or not DuckDB's, bad YAML or
TOML. Those reach the user as `error: <one line>`. Anything else is a bug and keeps its
traceback. `CLI_TRACEBACK=1` shows the traceback of a user error too (for developers).
Usage errors stay with argparse (exit 2).
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable

import duckdb
import yaml

from warehouse.db import WarehouseUnreadable

TRACEBACK_ENV = "CLI_TRACEBACK"


class UserError(Exception):
    """Something the user can fix; printed as one line."""


# ValueError covers tomllib.TOMLDecodeError, UnicodeDecodeError, the period and date parsers
# and the YAML checks (contracts, firm, the alias-bomb guard).
USER_ERRORS: tuple[type[BaseException], ...] = (
    UserError,
    OSError,
    ValueError,
    yaml.YAMLError,
    duckdb.IOException,
    duckdb.SerializationException,
    WarehouseUnreadable,
)


def one_line(err: BaseException) -> str:
    """The error as one line: whitespace collapsed, OSErrors as `path: reason`."""
    if isinstance(err, OSError) and not isinstance(err, duckdb.Error) and err.strerror:
        names = [str(n) for n in (err.filename, err.filename2) if n is not None]
        text = f"{' -> '.join(names)}: {err.strerror}" if names else err.strerror
    elif isinstance(err, duckdb.Error):
        text = _duckdb_text(err)
    else:
        text = str(err) or type(err).__name__
    return " ".join(text.split())


def _duckdb_text(err: duckdb.Error) -> str:
    """DuckDB's messages span lines and name its docs; the first sentence is the one that helps."""
    text = str(err)
    lowered = text.lower()
    if "lock" in lowered and ("conflicting" in lowered or "could not set lock" in lowered):
        return "the warehouse is busy (another program holds its lock); try again"
    if "not a valid duckdb database file" in lowered:
        return f"{text.splitlines()[0]} (is --db a warehouse file?)"
    return text.splitlines()[0] if text else type(err).__name__


def report(err: BaseException) -> int:
    """Prints the one line and returns the exit code of a user error."""
    print(f"error: {one_line(err)}", file=sys.stderr)
    return 1


def cli_errors(main: Callable[..., int]) -> Callable[..., int]:
    """Wraps a command line's `main`: user errors become one line and exit 1."""

    @functools.wraps(main)
    def wrapper(*args, **kwargs) -> int:
        try:
            return main(*args, **kwargs)
        except USER_ERRORS as err:
            if os.environ.get(TRACEBACK_ENV):
                raise
            return report(err)

    return wrapper


UNKNOWN_SQL = {
    "client": """
        SELECT c FROM unnest(?::VARCHAR[]) AS t(c)
        WHERE c NOT IN (SELECT client_id FROM clients) ORDER BY c""",
    "team": """
        SELECT c FROM unnest(?::VARCHAR[]) AS t(c)
        WHERE c NOT IN (SELECT team FROM people WHERE team IS NOT NULL) ORDER BY c""",
}
WHERE_KNOWN = {"client": "no such client_id in the warehouse", "team": "no person is in it"}


def check_known(con: duckdb.DuckDBPyConnection, kind: str, values) -> None:
    """A --client or --team the warehouse does not know is a typo, not an empty result."""
    if not values:
        return
    unknown = [r[0] for r in con.execute(UNKNOWN_SQL[kind], [list(values)]).fetchall()]
    if unknown:
        names = ", ".join(repr(v) for v in unknown)
        raise UserError(f"unknown {kind} {names} ({WHERE_KNOWN[kind]})")


def check_clients(con: duckdb.DuckDBPyConnection, client_ids) -> None:
    check_known(con, "client", client_ids)
