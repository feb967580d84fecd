"""What DingTalk's errcodes mean for the outbox, and the base of its channels.

Network errors, timeouts, HTTP 5xx/429 and DingTalk's busy/throttled error codes are
transient (``RETRY``); other refusals are permanent (``FAILED``) with the provider's errcode
and errmsg in the detail (``jiedao.api.channels.JsonApi``)."""

from __future__ import annotations

from jiedao.api.channels import JsonApiChannel
from jiedao.plugins.dingtalk.settings import DEFAULT_ENDPOINT, DingTalkSettings

THROTTLED = {
    -1: "system busy",
    130101: "robot: send too fast",
    410100: "robot: send too fast",
    90005: "API calls per minute exceeded (corp)",
    90006: "API calls per minute exceeded (app)",
    90018: "API calls per second exceeded",
}
"""DingTalk's errcodes that mean "try again later"."""

TOKEN_REFUSED = {40014, 42001}
"""The access_token is invalid (40014) or expired (42001): get a new one."""


class DingTalkChannel(JsonApiChannel):
    """Base of DingTalk's channels: its settings, endpoint and "try again later" errcodes."""

    provider = "dingtalk"
    provider_title = "DingTalk"
    settings_class = DingTalkSettings
    default_endpoint = DEFAULT_ENDPOINT
    transient = THROTTLED
