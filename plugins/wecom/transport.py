"""One HTTP call to WeCom and what its failures mean for the outbox.

Network errors, timeouts, HTTP 5xx/429 and WeCom's busy/frequency-limit error codes are
transient (``RETRY``); other refusals are permanent (``FAILED``) with the provider's errcode
and errmsg in the detail."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from jiedao.api.channels import FAILED, RETRY, SendResult

THROTTLED = {
    -1: "system busy",
    45009: "api freq out of limit",
    45033: "api concurrent out of limit",
}
"""WeCom's errcodes that mean "try again later"."""

TOKEN_REFUSED = {40014, 42001}
"""The access_token is invalid (40014) or expired (42001): get a new one."""


class Refused(Exception):
    """A call that did not succeed; ``result`` is what the outbox is told."""

    def __init__(self, result: SendResult, errcode: int | None = None) -> None:
        super().__init__(result.detail)
        self.result, self.errcode = result, errcode


async def call(client: httpx.AsyncClient, method: str, url: str, **options: Any) -> dict[str, Any]:
    """The JSON answer of a successful call (``errcode`` 0); raises ``Refused`` otherwise."""
    try:
        response = await client.request(method, url, **options)
    except httpx.TimeoutException as error:
        raise Refused(SendResult(RETRY, detail=f"WeCom did not answer in time ({type(error).__name__})")) from error
    except httpx.TransportError as error:
        raise Refused(SendResult(RETRY, detail=f"WeCom unreachable: {type(error).__name__}: {error}")) from error
    if response.status_code >= 500 or response.status_code == 429:
        raise Refused(SendResult(RETRY, detail=f"WeCom answered HTTP {response.status_code}"))
    try:
        body = response.json()
    except ValueError:
        raise Refused(SendResult(FAILED, detail=f"WeCom answered HTTP {response.status_code} without JSON: {response.text[:200]}")) from None
    errcode = body.get("errcode", 0) if isinstance(body, dict) else None
    if errcode == 0 and response.status_code < 400:
        return body
    errmsg = body.get("errmsg", "") if isinstance(body, dict) else ""
    detail = f"errcode {errcode}: {errmsg}" if errcode is not None else f"HTTP {response.status_code}"
    outcome = RETRY if errcode in THROTTLED else FAILED
    raise Refused(SendResult(outcome, detail=detail), errcode)


def secret(environ: Mapping[str, str], name: str) -> str:
    """The secret held by environment variable ``name``; ``Refused`` (FAILED) naming it if unset."""
    value = environ.get(name, "")
    if not value:
        raise Refused(SendResult(FAILED, detail=f"environment variable {name} is not set"))
    return value
