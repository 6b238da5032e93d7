"""Password hashes for local accounts: argon2id through argon2-cffi (its default parameters,
RFC 9106's low-memory profile), never a plain or a fast hash."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 12
_hasher = PasswordHasher()
# Verifying against this when there is no such user takes as long as a real check, so the
# time of a failed sign-in does not tell whether the name exists.
_DUMMY = _hasher.hash("no such user: a dummy hash")


def hash_password(password: str) -> str:
    """The argon2id hash to store; ValueError for a password shorter than MIN_LENGTH."""
    if len(password) < MIN_LENGTH:
        raise ValueError(f"a password needs at least {MIN_LENGTH} characters")
    return _hasher.hash(password)


def verify(stored: str | None, password: str) -> bool:
    """Whether `password` matches `stored` (False for no hash, a bad hash or a mismatch)."""
    try:
        return _hasher.verify(stored or _DUMMY, password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False
