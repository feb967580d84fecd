"""What WeCom's errcodes mean for the outbox, and the JSON client speaking to WeCom.

Network errors, timeouts, HTTP 5xx/429 and WeCom's busy/frequency-limit error codes are
transient (``RETRY``); other refusals are permanent (``FAILED``) with the provider's errcode
and errmsg in the detail (``jiedao.api.channels.JsonApi``)."""

from __future__ import annotations

from jiedao.api.channels import JsonApi

THROTTLED = {
    -1: "system busy",
    45009: "api freq out of limit",
    45033: "api concurrent out of limit",
}
"""WeCom's errcodes that mean "try again later"."""

TOKEN_REFUSED = {40014, 42001}
"""The access_token is invalid (40014) or expired (42001): get a new one."""


def wecom_api(timeout: float) -> JsonApi:
    """A client for WeCom's API, each request bounded by ``timeout`` seconds."""
    return JsonApi("WeCom", timeout, THROTTLED)
