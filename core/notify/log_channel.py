"""The log channel: messages go to the ``jiedao.notify`` logger (development)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, ClassVar

from jiedao.core.notify.channels import DELIVERED, AddressKind, Message, Receipt, SendResult

log = logging.getLogger("jiedao.notify")


class LogChannel:
    """Writes each message to the log; always delivered."""

    name: ClassVar[str] = "log"
    address: ClassVar[AddressKind] = "none"
    title: ClassVar[str] = "日志"

    def __init__(self, settings: Any = None, environ: Mapping[str, str] | None = None) -> None:
        self.settings = settings

    async def send(self, message: Message) -> SendResult:
        """Log the message's subject for its recipient."""
        log.info("notify %s (%s) in %s: %s", message.recipient or "-", message.severity, message.street, message.subject)
        return SendResult(DELIVERED, provider_id=f"log-{message.id}")

    async def poll(self, message: Message, provider_id: str) -> Receipt | None:
        """The log has no receipts to give."""
        return None

    async def aclose(self) -> None:
        """Nothing to release."""
