"""What an SDK failure means for the outbox: try again later (RETRY) or give up (FAILED)."""

from __future__ import annotations

import asyncio

from jiedao.api.channels import FAILED, RETRY, SendResult

TRANSIENT_CODES = {"isv.BUSINESS_LIMIT_CONTROL", "ServiceUnavailable", "InternalError", "isp.SYSTEM_ERROR"}
"""Provider codes that pass: flow control, an unavailable or failing service."""
TRANSIENT_PREFIXES = ("Throttling",)


def is_transient(code: str, status: int | None = None) -> bool:
    """Whether a provider's ``code`` (with its HTTP ``status``) is worth another attempt later."""
    return code in TRANSIENT_CODES or code.startswith(TRANSIENT_PREFIXES) or (status is not None and status >= 500)


def refused(code: str, message: str, status: int | None = None) -> SendResult:
    """The outcome of a request the provider answered with an error ``code``."""
    detail = f"{code}: {message}".strip()
    return SendResult(RETRY if is_transient(code, status) else FAILED, detail=detail)


def from_exception(error: BaseException) -> SendResult:
    """The outcome of an SDK call that raised: the provider's error response, a timeout or a broken connection."""
    code = getattr(error, "code", None)
    status = getattr(error, "status_code", None)
    if isinstance(code, str) and code and code != "None":
        data = getattr(error, "data", None) or {}
        message = data.get("Message") or data.get("message") or getattr(error, "message", "") or ""
        return refused(code, message, status)
    inner = getattr(error, "inner_exception", None) or error
    if isinstance(inner, asyncio.TimeoutError | TimeoutError):
        return SendResult(RETRY, detail="timeout: Alibaba Cloud did not answer in time")
    return SendResult(RETRY, detail=f"{type(inner).__name__}: {inner}"[:500])
