"""Notification channels: what a plugin implementing ``jiedao_notify`` writes against
(``core.notify.channels`` explains the contract), the recorder its fake provider fills, and
shared pieces for providers' JSON APIs: the HTTP client and its outcomes (``core.notify.http``),
a base for channels using it (``core.notify.provider_channel``), the access-token cache
(``core.notify.tokens``), settings checks (``core.notify.endpoints``) and fake-provider helpers
(``core.notify.fake_provider``)."""

from __future__ import annotations

from jiedao.core.notify.channels import (
    ANSWERED,
    DELIVERED,
    FAILED,
    FAKE,
    NO_ANSWER,
    READ,
    RETRY,
    SENT,
    AddressKind,
    Channel,
    FakeDelivery,
    Message,
    Receipt,
    SendResult,
    endpoint_of,
)
from jiedao.core.notify.endpoints import ENV_NAME, checked_endpoint
from jiedao.core.notify.fake_provider import IssuedTokens, ProviderFake, injected_failure, json_body, same
from jiedao.core.notify.fakes import FakeRecorder
from jiedao.core.notify.http import JsonApi, Refused, errcode_outcome, secret
from jiedao.core.notify.provider_channel import JsonApiChannel
from jiedao.core.notify.tokens import TokenCache, issued_token

__all__ = [
    "ANSWERED",
    "DELIVERED",
    "ENV_NAME",
    "FAILED",
    "FAKE",
    "NO_ANSWER",
    "ProviderFake",
    "READ",
    "Refused",
    "RETRY",
    "SENT",
    "AddressKind",
    "Channel",
    "FakeDelivery",
    "FakeRecorder",
    "IssuedTokens",
    "JsonApi",
    "JsonApiChannel",
    "Message",
    "Receipt",
    "SendResult",
    "TokenCache",
    "checked_endpoint",
    "endpoint_of",
    "errcode_outcome",
    "injected_failure",
    "issued_token",
    "json_body",
    "same",
    "secret",
]
