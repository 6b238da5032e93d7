"""`python -m app_auth users ...`: the local accounts and the roles of the people who sign in
through the firm's identity provider. Run by whoever holds the warehouse file (an admin);
every change is audited as cli:<OS user>.

    python -m app_auth users add dana --role operations,ar --name "Dana Ortiz"   (asks a password)
    python -m app_auth users add lee --role leadership --email lee@firm.com     (IdP sign-in)
    python -m app_auth users reset dana          (new password; unlocks after failed sign-ins)
    python -m app_auth users roles dana --role billing_approver
    python -m app_auth users disable dana
    python -m app_auth users list
    python -m app_auth roles                     (what each role may do)

The password comes from the terminal (asked twice), or from $APP_AUTH_PASSWORD (scripts)."""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from app_auth import accounts
from app_auth.guard import cli_actor
from app_auth.roles import PERMISSIONS, ROLE_LABELS, ROLES
from core.cli_errors import UserError, cli_errors
from warehouse.db import connect

PASSWORD_ENV = "APP_AUTH_PASSWORD"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m app_auth", description=__doc__.split("\n")[0])
    parser.add_argument("--db", help="warehouse file (default: $WAREHOUSE_DB or data/)")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("roles", help="what each role may do")
    users = commands.add_parser("users", help="add, change, list people").add_subparsers(
        dest="action", required=True
    )
    add = users.add_parser("add", help="a new account")
    add.add_argument("username")
    add.add_argument("--role", required=True, help=f"comma-separated: {', '.join(ROLES)}")
    add.add_argument("--name", help="the name writes record (default: the user name)")
    add.add_argument("--email", help="signs in through the IdP with this email")
    add.add_argument("--no-password", action="store_true", help="IdP sign-in only")
    reset = users.add_parser("reset", help="a new password (unlocks the account)")
    reset.add_argument("username")
    roles = users.add_parser("roles", help="replace a person's roles")
    roles.add_argument("username")
    roles.add_argument("--role", required=True)
    disable = users.add_parser("disable", help="no more sign-in")
    disable.add_argument("username")
    users.add_parser("list", help="everyone, with roles")
    return parser


def _password() -> str:
    if os.environ.get(PASSWORD_ENV):
        return os.environ[PASSWORD_ENV]
    if not sys.stdin.isatty():
        raise UserError(f"no terminal to ask the password: set {PASSWORD_ENV}")
    first = getpass.getpass("Password: ")
    if first != getpass.getpass("Again: "):
        raise UserError("the two passwords differ")
    return first


def _users(args: argparse.Namespace) -> int:
    actor = cli_actor()
    con = connect(args.db)
    try:
        if args.action == "add":
            password = None if args.no_password else _password()
            accounts.add_user(
                con,
                args.username,
                args.role,
                actor,
                display_name=args.name,
                email=args.email,
                password=password,
            )
            print(f"added {args.username.strip().lower()}")
        elif args.action == "reset":
            accounts.reset_password(con, args.username, _password(), actor)
            print(f"password of {args.username} reset")
        elif args.action == "roles":
            accounts.change_user(con, args.username, actor, roles=args.role)
            print(f"roles of {args.username} changed")
        elif args.action == "disable":
            accounts.change_user(con, args.username, actor, disabled=True)
            print(f"{args.username} disabled")
        else:
            for u in accounts.list_users(con):
                how = "password" if u["local"] else "IdP"
                state = " (disabled)" if u["disabled"] else ""
                print(
                    f"{u['username']:<16} {u['display_name']:<24} {','.join(u['roles']):<30} "
                    f"{how:<8} {u['email'] or ''}{state}"
                )
    finally:
        con.close()
    return 0


@cli_errors
def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "roles":
        for role, perms in ROLES.items():
            print(
                f"{ROLE_LABELS[role]} ({role}): " + "; ".join(PERMISSIONS[p] for p in sorted(perms))
            )
        return 0
    return _users(args)


if __name__ == "__main__":
    sys.exit(main())
