"""Notification channels: what a plugin implementing ``jiedao_notify`` writes against
(``core.notify.channels`` explains the contract) and the recorder its fake provider fills."""

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
from jiedao.core.notify.fakes import FakeRecorder

__all__ = [
    "ANSWERED",
    "DELIVERED",
    "FAILED",
    "FAKE",
    "NO_ANSWER",
    "READ",
    "RETRY",
    "SENT",
    "AddressKind",
    "Channel",
    "FakeDelivery",
    "FakeRecorder",
    "Message",
    "Receipt",
    "SendResult",
    "endpoint_of",
]
