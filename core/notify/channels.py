"""The contract between the outbox and a channel (DingTalk, WeCom, SMS, voice, log).

A plugin contributes channels in its ``jiedao_notify`` hook::

    @hookimpl
    def jiedao_notify(register):
        register.channel(SmsChannel)            # a class implementing ``Channel``
        register.fake_provider("aliyun", app)   # optional: the local stand-in for the provider

The kernel builds one instance per street whose ``plugins`` list names the plugin, with the
plugin's street settings (``PluginInfo(settings=...)``, ``[streets.X.<plugin>]``) and the
process environment (secrets come from there, never from plugins.toml). The outbox worker
calls ``send`` once per attempt with a ``Message``; what it returns decides what happens next:

- ``SENT``: the provider accepted it (a receipt may follow through ``poll``);
- ``DELIVERED`` / ``ANSWERED``: the provider says it reached the person (or they picked up);
- ``RETRY``: a transient failure (timeout, 5xx, throttled): the worker tries again later with
  exponential back-off, with the same ``Message.key`` (send it as the provider's
  idempotency key or out-id where there is one);
- ``FAILED``: a permanent failure (bad number, bad signature, template refused): no retry,
  the escalation moves on.

A channel raising an exception counts as ``RETRY`` with the exception as the reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Literal, Protocol

AddressKind = Literal["phone", "dingtalk", "wecom", "group", "none"]
"""What a channel needs to reach a person: a mobile number, a DingTalk user id, a WeCom
user id; ``group`` channels post into one group chat (robots) and need no personal address;
``none`` (the log) needs nothing."""

SENT, DELIVERED, READ, ANSWERED, NO_ANSWER, FAILED, RETRY = "SENT", "DELIVERED", "READ", "ANSWERED", "NO_ANSWER", "FAILED", "RETRY"
OUTCOMES = (SENT, DELIVERED, READ, ANSWERED, NO_ANSWER, FAILED, RETRY)


@dataclass(frozen=True)
class Message:
    """One message for one recipient on one channel, as the outbox hands it to ``send``."""

    id: int
    """The outbox row."""
    key: str
    """Idempotency key, the same on every attempt (at most 64 characters of [A-Za-z0-9_-])."""
    street: str
    channel: str
    address: str
    """Phone number, DingTalk/WeCom user id; empty for ``group`` and ``none`` channels."""
    recipient: str
    """The person's name as a greeting may use it (may be empty)."""
    subject: str
    """One line: what and where (e.g. ``【火警】凤起都市花园 3幢 2单元 501 烟感报警``)."""
    text: str
    """The whole message in plain text, rendered from the street's template."""
    template: str = ""
    """The provider's template code for SMS/voice (``SMS_123456``, ``TTS_123456``)."""
    params: Mapping[str, str] = field(default_factory=dict)
    """The template's parameters (all strings, as providers want them)."""
    severity: str = "info"
    """``critical``, ``major``, ``minor`` or ``info``."""
    link: str = ""
    """Where the person acknowledges and records the outcome (absolute URL), or empty."""
    locale: str = "zh"
    kind: str = ""
    """What raised it: ``sensors.alarm``, ``digest``, ``notice`` … (channels may pick a provider
    template by it)."""


@dataclass(frozen=True)
class SendResult:
    """What one attempt achieved (see the module docstring for the outcomes)."""

    outcome: str
    provider_id: str = ""
    """The provider's message/call/task id, kept for receipts."""
    detail: str = ""
    """The provider's words on a failure (error code and message), kept in the receipt."""


@dataclass(frozen=True)
class Receipt:
    """What a provider reported later about a sent message (``poll``)."""

    outcome: str
    """``DELIVERED``, ``READ``, ``ANSWERED``, ``NO_ANSWER`` or ``FAILED``."""
    detail: str = ""
    at: datetime | None = None


class Channel(Protocol):
    """A way to reach people. Implementations are plain classes registered with
    ``register.channel(cls)``; see the module docstring."""

    name: ClassVar[str]
    """Unique across plugins: ``dingtalk_robot``, ``dingtalk_work``, ``wecom_robot``,
    ``wecom_app``, ``sms``, ``voice``, ``log``."""
    address: ClassVar[AddressKind]
    title: ClassVar[str]
    """For people: ``钉钉工作通知``, ``短信``, ``语音电话``..."""

    def __init__(self, settings: Any, environ: Mapping[str, str]) -> None:
        """``settings``: the plugin's settings for this street (None if it has none);
        ``environ``: where secrets are read (``os.environ`` in production)."""

    async def send(self, message: Message) -> SendResult:
        """Hand ``message`` to the provider once; never raise for a provider's refusal."""

    async def poll(self, message: Message, provider_id: str) -> Receipt | None:
        """Ask the provider what became of a ``SENT`` message; None while it does not know
        yet. Channels without receipts return None (the outbox stops asking after a while)."""

    async def aclose(self) -> None:
        """Release connections (called when the worker stops)."""


@dataclass
class FakeDelivery:
    """What a local fake provider received: shown on ``/dev/outbox/{street}`` and read by tests."""

    provider: str
    """``dingtalk``, ``wecom``, ``aliyun``..."""
    channel: str
    street: str
    to: str
    text: str
    verified: bool
    """Whether the request carried the provider's real signature/authentication, checked
    the way the provider checks it."""
    detail: str = ""
    """Why verification failed, or the provider id handed back."""
    provider_id: str = ""
    at: datetime | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    """The request's decoded parameters (for tests)."""


FAKE = "fake"
"""The endpoint value that points a channel at the local fake provider (demo and tests)."""
FAKE_PROVIDERS_URL = "JIEDAO_FAKE_PROVIDERS_URL"
"""Environment key the kernel sets for each street's channels: the base URL of that street's
fake providers (``{JIEDAO_PUBLIC_URL}/dev/providers/{street}``)."""


def endpoint_of(configured: str | None, default: str, environ: Mapping[str, str], provider: str) -> str:
    """The base URL a channel talks to: ``default`` (the provider's real one) unless the street
    configures another; ``"fake"`` means this street's local fake ``provider``."""
    if configured == FAKE:
        base = environ.get(FAKE_PROVIDERS_URL)
        if not base:
            raise RuntimeError(f"endpoint = 'fake' needs {FAKE_PROVIDERS_URL} (set by the kernel when fake providers are mounted)")
        return f"{base.rstrip('/')}/{provider}"
    return (configured or default).rstrip("/")
