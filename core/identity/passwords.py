"""Argon2id password hashing, off the event loop."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from jiedao.core.messages import Translatable

_hasher = PasswordHasher()
_DUMMY = _hasher.hash("jiedao-timing-equaliser")
MIN_LENGTH = 8


def hash_password(password: str) -> str:
    """An Argon2id hash of ``password``."""
    return _hasher.hash(password)


async def verify_password(stored_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; without a hash, still spends the time of a check."""

    def check() -> bool:
        try:
            return _hasher.verify(stored_hash or _DUMMY, password) and stored_hash is not None
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(check)


def password_problem(password: str) -> Translatable | None:
    """Why ``password`` is too weak, or None."""
    if len(password) < MIN_LENGTH:
        return Translatable("a password needs at least {least} characters", least=MIN_LENGTH)
    return None
