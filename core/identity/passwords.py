"""Argon2id password hashing, off the event loop."""

from __future__ import annotations

import asyncio
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from jiedao.core.messages import Translatable

_hasher = PasswordHasher()
MIN_LENGTH = 8


@cache
def _dummy_hash() -> str:
    """A hash to check an unknown account's password against, made on first need (a hash
    costs ~0.25 s of CPU: not something every process start, CLI command or worker should pay)."""
    return _hasher.hash("jiedao-timing-equaliser")


def hash_password(password: str) -> str:
    """An Argon2id hash of ``password``."""
    return _hasher.hash(password)


async def verify_password(stored_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; without a hash, still spends the time of a check."""

    def check() -> bool:
        try:
            return _hasher.verify(stored_hash or _dummy_hash(), password) and stored_hash is not None
        except (VerificationError, InvalidHashError):
            return False

    return await asyncio.to_thread(check)


def password_problem(password: str) -> Translatable | None:
    """Why ``password`` is too weak, or None."""
    if len(password) < MIN_LENGTH:
        return Translatable("a password needs at least {least} characters", least=MIN_LENGTH)
    return None
