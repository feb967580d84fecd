"""One HTTP call to a provider's JSON API and what its failures mean for the outbox.

Network errors, timeouts, HTTP 5xx and 429 are transient (``RETRY``). A JSON answer with a
non-zero ``errcode`` (the convention of DingTalk, WeCom and other Chinese open platforms) is
``RETRY`` when the provider's errcode is one of its "try again later" codes, ``FAILED``
otherwise, with the provider's errcode and errmsg in the detail. Which codes are transient, the
URLs and the JSON shapes stay in each channel plugin."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import httpx

from jiedao.core.notify.channels import FAILED, RETRY, SendResult


class Refused(Exception):
    """A call that did not succeed; ``result`` is what the outbox is told, ``errcode`` the
    provider's code when it answered one."""

    def __init__(self, result: SendResult, errcode: int | None = None) -> None:
        super().__init__(result.detail)
        self.result, self.errcode = result, errcode


def errcode_outcome(errcode: int | None, transient: Collection[int]) -> str:
    """``RETRY`` for one of the provider's ``transient`` errcodes, ``FAILED`` for any other."""
    return RETRY if errcode in transient else FAILED


def secret(environ: Mapping[str, str], name: str) -> str:
    """The secret held by environment variable ``name``; ``Refused`` (FAILED) naming it if unset."""
    value = environ.get(name, "")
    if not value:
        raise Refused(SendResult(FAILED, detail=f"environment variable {name} is not set"))
    return value


class JsonApi:
    """An HTTP client for one provider's JSON API: ``await api.call("POST", url, json=...)``
    answers the JSON body of a successful call (``errcode`` 0) or raises ``Refused``."""

    def __init__(self, provider: str, timeout: float, transient: Collection[int]) -> None:
        self.provider, self.transient = provider, transient
        self.client = httpx.AsyncClient(timeout=timeout)

    async def call(self, method: str, url: str, *, label: str = "", **options: Any) -> dict[str, Any]:
        """The JSON answer of a successful call; raises ``Refused``, its detail starting with
        ``label: `` when a label is given (``gettoken: errcode 40089: ...``)."""
        try:
            return await self._call(method, url, **options)
        except Refused as refused:
            if not label:
                raise
            raise Refused(SendResult(refused.result.outcome, detail=f"{label}: {refused.result.detail}"), refused.errcode) from None

    async def _call(self, method: str, url: str, **options: Any) -> dict[str, Any]:
        name = self.provider
        try:
            response = await self.client.request(method, url, **options)
        except httpx.TimeoutException as error:
            raise Refused(SendResult(RETRY, detail=f"{name} did not answer in time ({type(error).__name__})")) from error
        except httpx.TransportError as error:
            raise Refused(SendResult(RETRY, detail=f"{name} unreachable: {type(error).__name__}: {error}")) from error
        if response.status_code >= 500 or response.status_code == 429:
            raise Refused(SendResult(RETRY, detail=f"{name} answered HTTP {response.status_code}"))
        try:
            body = response.json()
        except ValueError:
            raise Refused(SendResult(FAILED, detail=f"{name} answered HTTP {response.status_code} without JSON: {response.text[:200]}")) from None
        errcode = body.get("errcode", 0) if isinstance(body, dict) else None
        if errcode == 0 and response.status_code < 400:
            return body
        errmsg = body.get("errmsg", "") if isinstance(body, dict) else ""
        detail = f"errcode {errcode}: {errmsg}" if errcode is not None else f"HTTP {response.status_code}"
        raise Refused(SendResult(errcode_outcome(errcode, self.transient), detail=detail), errcode)

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        await self.client.aclose()
