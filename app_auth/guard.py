"""The server-side check every write makes: who is acting, and may they.

The app binds the signed-in Identity around each write (app_state.act -> acting_as); the write
functions call require(permission, actor) before they touch anything. In the app process
(enforce_sign_in() in app.py) a write with no identity bound is refused, so a page that
forgot to go through act() cannot write anonymously. The command line binds nothing: it runs
as the operating-system user who can open the warehouse file, and so could change it with any
DuckDB client; its writes are audited with that user's name (cli_actor)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from app_auth import audit_row
from app_auth.roles import PERMISSIONS, Identity, roles_with

_current: ContextVar[Identity | None] = ContextVar("billing_identity", default=None)
_enforced: ContextVar[bool] = ContextVar("billing_sign_in_enforced", default=False)


class NotAllowed(ValueError):
    """The signed-in person lacks the role, or four-eyes needs someone else. A ValueError, so
    the pages (app_state.act) and the CLI show it as one line like any refusal."""


def enforce_sign_in(on: bool = True) -> None:
    """Called by app.py at the start of each script run: from then on, in that run's thread, a
    write with no identity bound is refused. (A context variable, not a global: the tests run
    the app in the same process as the command-line code.)"""
    _enforced.set(on)


@contextmanager
def acting_as(identity: Identity | None) -> Iterator[None]:
    """Binds `identity` to the writes made in this block (this thread / context only)."""
    token = _current.set(identity)
    try:
        yield
    finally:
        _current.reset(token)


def current() -> Identity | None:
    return _current.get()


def require(permission: str, actor: str | None = None) -> Identity | None:
    """Refuses (NotAllowed) unless the bound identity holds `permission` and is the `actor`
    the write records. Returns the identity (None on the command line)."""
    if permission not in PERMISSIONS:
        raise KeyError(permission)
    identity = _current.get()
    if identity is None:
        if _enforced.get():
            raise NotAllowed(f"sign in first: you may not {PERMISSIONS[permission]} anonymously")
        return None
    if not identity.can(permission):
        raise NotAllowed(
            f"{identity.name} ({identity.roles_text}) may not {PERMISSIONS[permission]}: "
            f"it needs the role {' or '.join(roles_with(permission))}"
        )
    if actor is not None and actor != identity.name:
        raise NotAllowed(f"{identity.name} cannot record a write under the name {actor!r}")
    return identity


def cli_actor(claimed: str | None = None) -> str:
    """The name a command-line write records: cli:<operating-system user>, or with --actor
    NAME, "NAME (cli:<OS user>)" (app_auth.audit_row.cli_actor)."""
    return audit_row.cli_actor(claimed)


def actor_name(actor: str | None = None) -> str:
    """The name a write records when its caller did not say: the bound identity's (the app),
    else cli:<operating-system user> (the command line, jobs)."""
    if actor:
        return actor
    identity = _current.get()
    return identity.name if identity is not None else cli_actor()
