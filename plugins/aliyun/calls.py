"""What the SMS and voice channels share: the settings, the SDK client, the deadline, the
answer of a send or a receipt query, the China calendar."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from jiedao.api.channels import FAILED, SENT, Message, SendResult
from jiedao.api.domain import CHINA, clock
from jiedao.plugins.aliyun.client import build, credentials
from jiedao.plugins.aliyun.errors import from_exception, refused
from jiedao.plugins.aliyun.settings import AliyunSettings

log = logging.getLogger("jiedao.notify.aliyun")


class AliyunChannel:
    """Base of the SMS and voice channels: one SDK client per street, calls bounded by the timeout."""

    default_endpoint: str

    @staticmethod
    def client_class() -> type:
        """The SDK's client class (``alibabacloud_dysmsapi20170525.client.Client`` ...),
        imported here rather than with the plugin (see ``client``'s docstring)."""
        raise NotImplementedError

    def __init__(self, settings: AliyunSettings | None, environ: Mapping[str, str]) -> None:
        self.settings = settings or AliyunSettings()
        self.environ = environ
        self.client = build(self.client_class(), self.settings, self.default_endpoint, environ)

    def missing_keys(self) -> SendResult | None:
        """FAILED naming the environment variable that holds no key, if one is empty."""
        key_id, secret = credentials(self.settings, self.environ)
        for name, value in ((self.settings.access_key_id_env, key_id), (self.settings.access_key_secret_env, secret)):
            if not value:
                return SendResult(FAILED, detail=f"the environment variable {name} (aliyun access key) is not set")
        return None

    async def bounded(self, call: Awaitable[Any]) -> Any:
        """``await call``, giving up after the settings' timeout (the SDK's socket timeouts apply per read)."""
        return await asyncio.wait_for(call, self.settings.timeout)

    async def submit(self, call: Awaitable[Any], id_field: str) -> SendResult:
        """The outcome of a send: ``SENT`` with the answer's ``id_field`` (``biz_id``, ``call_id``)
        as provider id when Alibaba Cloud says OK, else RETRY or FAILED (``errors``)."""
        try:
            response = await self.bounded(call)
        except Exception as error:  # noqa: BLE001 - every SDK failure becomes an outcome
            return from_exception(error)
        body = response.body
        if body.code != "OK":
            return refused(body.code or "", body.message or "")
        return SendResult(SENT, provider_id=getattr(body, id_field) or "")

    async def ask(self, action: str, provider_id: str, call: Awaitable[Any]) -> Any | None:
        """The answer (``body``) of the receipt query ``action`` about ``provider_id``; None,
        logged, when it failed or was refused (the outbox asks again later)."""
        try:
            response = await self.bounded(call)
        except Exception as error:  # noqa: BLE001 - asked again later
            log.warning("%s %s failed: %s", action, provider_id, from_exception(error).detail)
            return None
        body = response.body
        if body.code != "OK":
            log.warning("%s %s refused: %s %s", action, provider_id, body.code, body.message)
            return None
        return body

    async def aclose(self) -> None:
        """Nothing held open: the SDK opens one HTTP session per request."""


def template_params(message: Message) -> str:
    """The message's template parameters as the JSON object the APIs want (Chinese kept readable)."""
    return json.dumps(dict(message.params), ensure_ascii=False, separators=(",", ":"))


def kind_of(message: Message) -> str:
    """The event kind of ``message`` (``sensors.alarm``, ``digest`` …)."""
    return message.kind


def recent_days() -> list[date]:
    """The China dates a message sent lately may carry: today, then yesterday (just after midnight)."""
    day = clock.today()
    return [day, day - timedelta(days=1)]


def china_midnight_ms(day: date) -> int:
    """Milliseconds since the epoch at 00:00 of ``day`` in China."""
    return int(datetime.combine(day, time(0), CHINA).timestamp() * 1000)


def china_time(text: str | None) -> datetime | None:
    """``2026-12-01 22:55:16`` (China time, as the APIs report) as an aware datetime, or None."""
    if not text:
        return None
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=CHINA)
    except ValueError:
        return None
