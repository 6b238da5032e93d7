"""`python -m app_auth`: adding, listing, changing and resetting people; user errors are one
line; every change is audited as cli:<OS user>."""

from __future__ import annotations

import getpass
import subprocess
import sys

import pytest

from app_auth import accounts, passwords
from app_auth.__main__ import main
from tests.conftest import ROOT
from warehouse.db import connect


def run(db, *args: str) -> int:
    return main(["--db", str(db), *args])


def test_add_list_change_reset(db_path, monkeypatch, capsys):
    monkeypatch.setenv("APP_AUTH_PASSWORD", "correct horse battery")
    assert (
        run(db_path, "users", "add", "Dana", "--role", "operations,ar", "--name", "Dana Ortiz") == 0
    )
    assert (
        run(
            db_path,
            "users",
            "add",
            "lee",
            "--role",
            "leadership",
            "--email",
            "lee@firm.example",
            "--no-password",
        )
        == 0
    )
    assert run(db_path, "users", "roles", "dana", "--role", "billing_approver") == 0
    monkeypatch.setenv("APP_AUTH_PASSWORD", "another long password")
    assert run(db_path, "users", "reset", "dana") == 0
    capsys.readouterr()
    assert run(db_path, "users", "list") == 0
    listing = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in listing] == ["dana", "lee"]
    assert "billing_approver" in listing[0] and "password" in listing[0]
    assert "IdP" in listing[1] and "lee@firm.example" in listing[1]
    con = connect(db_path)
    try:
        stored = con.execute("SELECT password_hash FROM app_users WHERE username = 'dana'")
        stored = stored.fetchall()[0][0]
        actors = con.execute("SELECT DISTINCT actor FROM audit_log").fetchall()
        identity = accounts.authenticate(con, "dana", "another long password", 5)
    finally:
        con.close()
    assert stored.startswith("$argon2id$") and passwords.verify(stored, "another long password")
    assert actors == [(f"cli:{getpass.getuser()}",)]
    assert identity.roles == ("billing_approver",)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["users", "add", "x", "--role", "boss", "--no-password", "--email", "x@y"],
            (
                "error: unknown role 'boss': the roles are leadership, operations, billing_approver, "
                "ar, admin"
            ),
        ),
        (["users", "reset", "nobody"], "error: there is no user 'nobody'"),
        (
            ["users", "add", "x", "--role", "ar", "--no-password"],
            "error: give a password (local account) or an email (sign-in via the IdP)",
        ),
    ],
)
def test_user_errors_are_one_line(db_path, args, message):
    env = {"APP_AUTH_PASSWORD": "correct horse battery", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(
        [sys.executable, "-m", "app_auth", "--db", str(db_path), *args],
        check=False,
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, done.stderr.strip()) == (1, message)


def test_a_short_password_is_refused(db_path, monkeypatch, capsys):
    monkeypatch.setenv("APP_AUTH_PASSWORD", "short")
    assert run(db_path, "users", "add", "dana", "--role", "ar") == 1
    assert capsys.readouterr().err.strip() == "error: a password needs at least 12 characters"
