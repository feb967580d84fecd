"""A message for the holders of roles (or named accounts) in one street — the shape plugins
have always handed to ``notify``; ``core.notify.direct`` writes it to the outbox."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Notification:
    """A message for the holders of a role (``grid_worker``) or named people (``@username``)."""

    street: str
    recipients: tuple[str, ...]
    subject: str
    body: str = ""
    severity: str = "info"
    reference: str = ""
    data: dict[str, Any] = field(default_factory=dict)
