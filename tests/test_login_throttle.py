"""Log-in throttling under attack: concurrent bursts, progressive delays, known addresses, NAT.

Every test drives the real app over ASGI (httpx) on SQLite and PostgreSQL. Time is the
only shortcut: ``service.now`` is replaced by a clock the test moves, so no test sleeps.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from jiedao.core.app import build_app
from jiedao.core.errors import ConfigurationError
from jiedao.core.identity import service
from jiedao.core.identity.throttle import LoginPolicy
from jiedao.core.testing.fixtures import TEST_PASSWORD

LOGIN = """mutation($u: String!, $p: String!) { login(input: {username: $u, password: $p}) {
  token retryAfter errors { code message } } }"""
POLICY = LoginPolicy()


class Clock:
    """A clock standing still until the test moves it."""

    def __init__(self) -> None:
        self.at = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    moving = Clock()
    monkeypatch.setattr(service, "now", moving)
    return moving


@pytest.fixture
def evaluated(monkeypatch) -> list[str]:
    """The passwords the server actually checked, in order."""
    checked: list[str] = []
    real = service.verify_password

    async def counting(stored_hash, password):
        checked.append(password)
        return await real(stored_hash, password)

    monkeypatch.setattr(service, "verify_password", counting)
    return checked


@asynccontextmanager
async def browser(kernel, address: str) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of the kernel's app whose requests come from ``address``."""
    transport = httpx.ASGITransport(app=build_app(kernel, background=False), client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://test", headers={"accept-language": "en"}) as http:
        yield http


async def login(http: httpx.AsyncClient, username: str, password: str) -> dict:
    response = await http.post("/graphql/changqing", json={"query": LOGIN, "variables": {"u": username, "p": password}})
    body = response.json()
    assert "errors" not in body, body
    return body["data"]["login"]


def code(result: dict) -> str:
    return result["errors"][0]["code"] if result["errors"] else "OK"


async def make_users(kernel, password_hash, *names: str) -> None:
    async with kernel.db.transaction() as session:
        place = await service.street_by_slug(session, "changqing")
        for name in names:
            user = await service.create_user(session, name, "", password_hash=password_hash)
            await service.grant(session, user, place, "community_worker")


async def test_a_concurrent_burst_evaluates_no_more_guesses_than_allowed(kernel, password_hash, clock, evaluated):
    await make_users(kernel, password_hash, "pan")
    async with browser(kernel, "203.0.113.7") as http:
        burst = [login(http, "pan", f"guess-{n}") for n in range(100)]
        answers = await asyncio.gather(*burst)
        codes = [code(a) for a in answers]
        assert len(evaluated) <= POLICY.account.free, f"{len(evaluated)} guesses checked in a burst of 100"
        assert codes.count("INVALID_CREDENTIALS") == len(evaluated)
        assert codes.count("THROTTLED") == 100 - len(evaluated)
        assert all(a["retryAfter"] >= 1 for a in answers if code(a) == "THROTTLED")

        # 40 concurrent again, the right password sent 15th: no token while the wait runs
        clock.advance(3600 * 2)  # the counters above are forgotten
        evaluated.clear()
        burst = [login(http, "pan", TEST_PASSWORD if n == 14 else f"guess-{n}") for n in range(40)]
        answers = await asyncio.gather(*burst)
        assert sum(1 for a in answers if code(a) != "THROTTLED") == len(evaluated)
        right = answers[14]
        if TEST_PASSWORD not in evaluated:
            assert len(evaluated) <= POLICY.account.free, f"{len(evaluated)} passwords checked in a burst of 40"
            assert code(right) == "THROTTLED" and right["token"] is None
        else:  # checked within the allowance; the owner's success starts a new allowance
            # Attempts counted against the first allowance may be checked after the right
            # password (they were claimed before it succeeded): at most two allowances in all.
            position = evaluated.index(TEST_PASSWORD)
            assert position < POLICY.account.free and right["token"]
            assert len(evaluated) <= 2 * POLICY.account.free, f"{len(evaluated)} passwords checked in a burst of 40"


async def test_the_owner_logs_in_once_the_wait_is_over_and_hammering_does_not_lengthen_it(kernel, password_hash, clock, evaluated):
    await make_users(kernel, password_hash, "pan")
    async with browser(kernel, "203.0.113.7") as attacker, browser(kernel, "198.51.100.20") as owner:
        for n in range(POLICY.account.free):
            assert code(await login(attacker, "pan", f"guess-{n}")) == "INVALID_CREDENTIALS"
        refused = await login(owner, "pan", TEST_PASSWORD)
        assert code(refused) == "THROTTLED" and refused["token"] is None
        assert refused["retryAfter"] == POLICY.account.base.total_seconds()
        assert "try again in 2 seconds" in refused["errors"][0]["message"]
        checked = len(evaluated)
        for n in range(50):
            assert code(await login(attacker, "pan", f"more-{n}")) == "THROTTLED"
        assert len(evaluated) == checked, "no password is checked inside the wait"
        assert (await login(owner, "pan", TEST_PASSWORD))["retryAfter"] == refused["retryAfter"]

        clock.advance(refused["retryAfter"])
        welcome = await login(owner, "pan", TEST_PASSWORD)
        assert code(welcome) == "OK" and welcome["token"]


async def test_each_further_failure_doubles_the_wait_up_to_the_cap(kernel, password_hash, clock):
    await make_users(kernel, password_hash, "pan")
    waits = []
    async with browser(kernel, "203.0.113.7") as attacker:
        for n in range(POLICY.account.free + 12):
            result = await login(attacker, "pan", f"guess-{n}")
            if code(result) == "THROTTLED":
                waits.append(result["retryAfter"])
                clock.advance(result["retryAfter"])
                result = await login(attacker, "pan", f"guess-{n}")
            assert code(result) == "INVALID_CREDENTIALS"
    assert waits == [2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900]


async def test_the_owner_at_a_known_address_is_not_slowed_by_an_attack_from_elsewhere(kernel, password_hash, clock):
    await make_users(kernel, password_hash, "pan")
    async with browser(kernel, "198.51.100.20") as home, browser(kernel, "203.0.113.7") as attacker:
        assert (await login(home, "pan", TEST_PASSWORD))["token"]
        clock.advance(3600)
        for n in range(12):
            result = await login(attacker, "pan", f"guess-{n}")
            if code(result) == "THROTTLED":
                clock.advance(result["retryAfter"])
                result = await login(attacker, "pan", f"guess-{n}")
            assert code(result) == "INVALID_CREDENTIALS"
        assert code(await login(attacker, "pan", "one-more")) == "THROTTLED"
        welcome = await login(home, "pan", TEST_PASSWORD)
        assert code(welcome) == "OK" and welcome["token"]
        # ... and the attacker's own counter was not reset by the owner's success
        assert code(await login(attacker, "pan", "again")) == "THROTTLED"


async def test_failures_behind_one_address_do_not_lock_out_the_office(kernel, password_hash, clock):
    """A street office behind one NAT: 60 failures spread over 30 accounts from its address."""
    names = [f"worker{n}" for n in range(32)]
    await make_users(kernel, password_hash, *names)
    async with browser(kernel, "192.0.2.1") as office:
        assert (await login(office, "worker31", TEST_PASSWORD))["token"], "a colleague who worked here before"
        for name in names[:30]:
            for n in range(2):
                await login(office, name, f"typo-{n}")
        veteran = await login(office, "worker31", TEST_PASSWORD)
        assert code(veteran) == "OK", "an account known at this address is not slowed by its neighbours"
        newcomer = await login(office, "worker30", TEST_PASSWORD)
        if code(newcomer) == "THROTTLED":
            assert newcomer["retryAfter"] <= POLICY.address.max.total_seconds()
            clock.advance(newcomer["retryAfter"])
            newcomer = await login(office, "worker30", TEST_PASSWORD)
        assert code(newcomer) == "OK" and newcomer["token"]


async def test_the_policy_follows_its_settings(kernel, password_hash, clock, monkeypatch):
    monkeypatch.setenv("JIEDAO_LOGIN_FREE_ATTEMPTS", "2")
    monkeypatch.setenv("JIEDAO_LOGIN_DELAY_BASE", "10s")
    await make_users(kernel, password_hash, "pan")
    async with browser(kernel, "203.0.113.7") as http:
        for n in range(2):
            assert code(await login(http, "pan", f"guess-{n}")) == "INVALID_CREDENTIALS"
        assert (await login(http, "pan", TEST_PASSWORD))["retryAfter"] == 10


def test_bad_settings_are_refused_naming_the_variable():
    with pytest.raises(ConfigurationError) as refused:
        LoginPolicy.from_env({"JIEDAO_LOGIN_FREE_ATTEMPTS": "zero", "JIEDAO_LOGIN_DELAY_MAX": "soon"})
    assert any("JIEDAO_LOGIN_FREE_ATTEMPTS" in p for p in refused.value.problems)
    assert any("JIEDAO_LOGIN_DELAY_MAX" in p for p in refused.value.problems)
    with pytest.raises(ConfigurationError, match="JIEDAO_LOGIN_FORGET_AFTER"):
        LoginPolicy.from_env({"JIEDAO_LOGIN_FORGET_AFTER": "5m"})
    assert LoginPolicy.from_env({}) == LoginPolicy()
