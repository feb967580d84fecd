"""Log-in throttling by progressive delay, counted atomically before a password is checked.

Policy (numbers are settings, read from the environment by ``LoginPolicy.from_env``):

- Every attempt is *claimed* on its counters before its password is checked, in its own
  committed transaction (the counter rows are locked: ``SELECT … FOR UPDATE`` on
  PostgreSQL, the database write lock on SQLite), so concurrent requests cannot evaluate
  more guesses than the policy allows.
- A counter lets ``free`` attempts through at once; the attempt numbered ``free + k`` must
  wait ``base · 2^(k-1)`` (capped at ``max``) after the previous one. An attempt inside the
  wait is answered ``THROTTLED`` with the seconds to wait, its password is not checked,
  and it changes nothing (hammering does not lengthen the wait).
- Counters: ``acct:<username>`` (attempts from addresses the account has not logged in
  from), ``addr:<address>`` (same, higher ``free``, shorter ``max``: a street office
  behind one NAT shares it) and ``pair:<username>|<address>`` (attempts from an address
  where the account logged in successfully within ``known_for``: the owner at home is not
  slowed by an attacker elsewhere, nor by a colleague's typos behind the same NAT).
- A success resets the account's counter (``acct`` or ``pair``) and gives back its own
  claim on ``addr``; a counter untouched for ``forget_after`` starts again from zero.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.core.errors import ConfigurationError
from jiedao.core.identity.models import KnownLoginAddress, LoginCounter
from jiedao.core.settings import parse_duration

KEY_LENGTH = 100  # longer usernames/addresses cannot exist; they are cut so keys stay bounded


@dataclass(frozen=True)
class Rule:
    """How many attempts pass at once, then the first and the longest wait."""

    free: int
    base: timedelta
    max: timedelta

    def wait_after(self, attempts: int) -> timedelta:
        """The wait before the attempt following the ``attempts``-th one."""
        if attempts < self.free:
            return timedelta(0)
        exponent = attempts - self.free
        if exponent >= 40:
            return self.max
        return min(self.base * 2**exponent, self.max)


@dataclass(frozen=True)
class LoginPolicy:
    """The log-in throttling settings (see the module docstring)."""

    account: Rule = Rule(5, timedelta(seconds=2), timedelta(minutes=15))
    address: Rule = Rule(50, timedelta(seconds=2), timedelta(minutes=1))
    forget_after: timedelta = timedelta(hours=1)
    known_for: timedelta = timedelta(days=30)

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> LoginPolicy:
        """Read ``JIEDAO_LOGIN_*``; raises ``ConfigurationError`` naming every bad variable."""
        env = os.environ if environ is None else environ
        problems: list[str] = []
        default = cls()

        def number(name: str, fallback: int) -> int:
            raw = env.get(name)
            if raw is None or raw.strip() == "":
                return fallback
            try:
                value = int(raw)
            except ValueError:
                value = -1
            if not 1 <= value <= 10_000:
                problems.append(f"{name}={raw!r}: expected a whole number from 1 to 10000.")
                return fallback
            return value

        def duration(name: str, fallback: timedelta) -> timedelta:
            raw = env.get(name)
            if raw is None or raw.strip() == "":
                return fallback
            try:
                value = parse_duration(raw)
            except ValueError as error:
                problems.append(f"{name}: {error}.")
                return fallback
            if value <= timedelta(0):
                problems.append(f"{name}={raw!r}: must be longer than zero.")
                return fallback
            return value

        base = duration("JIEDAO_LOGIN_DELAY_BASE", default.account.base)
        policy = cls(
            account=Rule(number("JIEDAO_LOGIN_FREE_ATTEMPTS", default.account.free), base, duration("JIEDAO_LOGIN_DELAY_MAX", default.account.max)),
            address=Rule(
                number("JIEDAO_LOGIN_ADDRESS_FREE_ATTEMPTS", default.address.free), base, duration("JIEDAO_LOGIN_ADDRESS_DELAY_MAX", default.address.max)
            ),
            forget_after=duration("JIEDAO_LOGIN_FORGET_AFTER", default.forget_after),
            known_for=duration("JIEDAO_LOGIN_KNOWN_ADDRESS_FOR", default.known_for),
        )
        longest = max(policy.account.max, policy.address.max)
        if not problems and policy.forget_after <= longest:
            problems.append(
                f"JIEDAO_LOGIN_FORGET_AFTER ({policy.forget_after}) must be longer than the longest delay ({longest}), "
                "or counters would be forgotten before their wait ends."
            )
        if problems:
            raise ConfigurationError(problems)
        return policy


@dataclass(frozen=True)
class Claim:
    """The counters an attempt was counted on, or the seconds to wait when it was refused."""

    keys: tuple[tuple[str, Rule], ...]
    retry_after: int = 0

    @property
    def granted(self) -> bool:
        return self.retry_after == 0


def account_key(username: str) -> str:
    return "acct:" + username.lower()[:KEY_LENGTH]


def address_key(address: str) -> str:
    return "addr:" + address[:KEY_LENGTH]


def pair_key(username: str, address: str) -> str:
    return f"pair:{username.lower()[:KEY_LENGTH]}|{address[:KEY_LENGTH]}"


async def is_known(session: AsyncSession, policy: LoginPolicy, username: str, address: str, at: datetime) -> bool:
    """Whether the account logged in successfully from ``address`` within ``known_for``."""
    last = await session.scalar(
        select(KnownLoginAddress.last_success_at).where(
            KnownLoginAddress.username == username.lower()[:KEY_LENGTH], KnownLoginAddress.address == address[:KEY_LENGTH]
        )
    )
    return last is not None and last > at - policy.known_for


async def claim(session: AsyncSession, policy: LoginPolicy, username: str, address: str, at: datetime, *, known: bool) -> Claim:
    """Count one attempt on its counters, or refuse it with the seconds to wait.

    ``known``: whether ``is_known`` (asked in another transaction: here the first
    statement must be a write). Run it in a transaction of its own and commit it before
    checking the password. Either every counter takes the attempt or (refused) none
    changes: the caller commits either way.
    """
    keys = ((pair_key(username, address), policy.account),) if known else ((account_key(username), policy.account), (address_key(address), policy.address))
    # Writing first takes SQLite's write lock before anything is read; on PostgreSQL the
    # rows are then locked with FOR UPDATE. Concurrent claims on a key are thus serialised.
    for key, _ in keys:
        await _insert_ignore(session, LoginCounter, dict(key=key, attempts=0, next_at=at, last_at=at))
    rows = {
        row.key: row
        for row in (
            await session.execute(select(LoginCounter).where(LoginCounter.key.in_([k for k, _ in keys])).order_by(LoginCounter.key).with_for_update())
        ).scalars()
    }
    waits = [rows[key].next_at - at for key, _ in keys if not _forgotten(rows[key], policy, at) and rows[key].next_at > at]
    if waits:
        return Claim(keys, retry_after=max(1, math.ceil(max(waits).total_seconds())))
    for key, rule in keys:
        row = rows[key]
        attempts = 1 if _forgotten(row, policy, at) else row.attempts + 1
        row.attempts, row.next_at, row.last_at = attempts, at + rule.wait_after(attempts), at
    return Claim(keys)


async def _insert_ignore(session: AsyncSession, model: type, values: dict) -> None:
    """Insert a row unless its primary key exists (waits for a concurrent insert of it)."""
    if session.bind.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    await session.execute(dialect_insert(model).values(**values).on_conflict_do_nothing())


def _forgotten(row: LoginCounter, policy: LoginPolicy, at: datetime) -> bool:
    return row.last_at <= at - policy.forget_after


async def succeeded(session: AsyncSession, claimed: Claim, username: str, address: str, at: datetime) -> None:
    """After a right password: reset the account's counter, give back the address's claim,
    remember the address as known for this account."""
    for key, _ in claimed.keys:
        if key.startswith("addr:"):
            await session.execute(
                update(LoginCounter).where(LoginCounter.key == key, LoginCounter.attempts > 0).values(attempts=LoginCounter.attempts - 1)
            )
        else:
            await session.execute(delete(LoginCounter).where(LoginCounter.key == key))
    name, place = username.lower()[:KEY_LENGTH], address[:KEY_LENGTH]
    await _insert_ignore(session, KnownLoginAddress, dict(username=name, address=place, last_success_at=at))
    await session.execute(
        update(KnownLoginAddress).where(KnownLoginAddress.username == name, KnownLoginAddress.address == place).values(last_success_at=at)
    )


async def prune(session: AsyncSession, policy: LoginPolicy, at: datetime) -> None:
    """Forget counters and known addresses nobody used for their period (bounded table size)."""
    await session.execute(delete(LoginCounter).where(LoginCounter.last_at <= at - policy.forget_after))
    await session.execute(delete(KnownLoginAddress).where(KnownLoginAddress.last_success_at <= at - policy.known_for))
