"""What WeCom's errcodes mean for the outbox, and the base of its channels.

Network errors, timeouts, HTTP 5xx/429 and WeCom's busy/frequency-limit error codes are
transient (``RETRY``); other refusals are permanent (``FAILED``) with the provider's errcode
and errmsg in the detail (``jiedao.api.channels.JsonApi``)."""

from __future__ import annotations

from jiedao.api.channels import JsonApiChannel
from jiedao.plugins.wecom.settings import DEFAULT_ENDPOINT, WeComSettings

THROTTLED = {
    -1: "system busy",
    45009: "api freq out of limit",
    45033: "api concurrent out of limit",
}
"""WeCom's errcodes that mean "try again later"."""

TOKEN_REFUSED = {40014, 42001}
"""The access_token is invalid (40014) or expired (42001): get a new one."""


class WeComChannel(JsonApiChannel):
    """Base of WeCom's channels: its settings, endpoint and "try again later" errcodes."""

    provider = "wecom"
    provider_title = "WeCom"
    settings_class = WeComSettings
    default_endpoint = DEFAULT_ENDPOINT
    transient = THROTTLED
