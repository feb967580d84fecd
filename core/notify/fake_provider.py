"""Pieces every fake provider of a JSON API needs: issued access tokens, the failures tests
inject with ``recorder.fail_next``, credential comparison and lenient JSON bodies.

The provider's own routes, errcodes and answers stay in its plugin's ``fake.py``."""

from __future__ import annotations

import asyncio
import hmac
import json
import secrets
import time
from collections.abc import Mapping
from typing import Any, ClassVar

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute

from jiedao.core.notify.channels import FakeDelivery
from jiedao.core.notify.fakes import FakeRecorder


class IssuedTokens:
    """The access tokens a fake issued and when each expires (``time.time()`` seconds)."""

    def __init__(self) -> None:
        self.expiry: dict[str, float] = {}
        self.issued = 0

    def issue(self, lifetime: float) -> str:
        """A new token valid for ``lifetime`` seconds."""
        token = secrets.token_hex(16)
        self.expiry[token] = time.time() + lifetime
        self.issued += 1
        return token

    def expire_all(self) -> None:
        """End every issued token now, as if its lifetime had passed."""
        self.expiry = dict.fromkeys(self.expiry, 0.0)

    def problem(self, token: str | None, invalid: tuple[int, str], expired: tuple[int, str]) -> tuple[int, str] | None:
        """``invalid`` for a token this fake never issued, ``expired`` for one past its
        lifetime (the provider's errcode and errmsg), None for a valid token."""
        if not token or token not in self.expiry:
            return invalid
        if self.expiry[token] <= time.time():
            return expired
        return None


async def injected_failure(recorder: FakeRecorder, provider: str, timeout: float, throttled: Response) -> Response | None:
    """The answer to a request a test asked to fail (``recorder.fail_next(provider, n, how)``):
    ``"500"`` HTTP 500, ``"timeout"`` HTTP 504 only after the channel's ``timeout``,
    ``"throttled"`` the provider's ``throttled`` answer; None when no failure is due."""
    how = recorder.take_failure(provider)
    if how == "500":
        return PlainTextResponse("Internal Server Error", status_code=500)
    if how == "timeout":
        await asyncio.sleep(timeout + 1)
        return PlainTextResponse("Gateway Timeout", status_code=504)
    if how == "throttled":
        return throttled
    return None


def same(given: str | None, expected: str | None) -> bool:
    """Whether a credential matches the configured one (never when none is configured)."""
    return bool(expected) and hmac.compare_digest((given or "").encode(), expected.encode())


async def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object; ``{}`` for an empty, unreadable or non-object body."""
    try:
        body = json.loads(await request.body() or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


class ProviderFake:
    """Base of a fake provider's state: the street's settings and secrets, the tokens it issued,
    and the recorder it reports to. Subclasses set ``provider`` (the fake's name) and
    ``settings_class`` (used when the street has no settings) and add the provider's routes."""

    provider: ClassVar[str]
    settings_class: ClassVar[type]

    def __init__(self, recorder: FakeRecorder, street: str, settings: Any, environ: Mapping[str, str]) -> None:
        self.recorder, self.street, self.environ = recorder, street, environ
        self.settings = settings or self.settings_class()
        self.tokens = IssuedTokens()

    @property
    def tokens_issued(self) -> int:
        """How many access tokens this fake issued."""
        return self.tokens.issued

    def expire_tokens(self) -> None:
        """End every issued token now, as if two hours had passed."""
        self.tokens.expire_all()

    def record(self, channel: str, to: str, text: str, verified: bool, detail: str, raw: dict[str, Any], provider_id: str = "") -> None:
        """Record what the fake received for ``channel`` (``verified=False``: it was refused, ``detail`` says why)."""
        self.recorder.record(FakeDelivery(self.provider, channel, self.street, to, text, verified, detail=detail, provider_id=provider_id, raw=raw))

    async def failure(self, throttled: Response) -> Response | None:
        """The injected failure due for this request (``injected_failure``), if any."""
        return await injected_failure(self.recorder, self.provider, self.settings.timeout, throttled)

    def app(self, *routes: BaseRoute) -> Starlette:
        """The fake provider's ASGI app serving ``routes``; this fake is its ``app.state.fake``."""
        app = Starlette(routes=list(routes))
        app.state.fake = self
        return app
