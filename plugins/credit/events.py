"""The events the credit plugin publishes (its catalogue, listed in ``PluginInfo(events=...)``).

Subscribers name them (``register.on("credit.score.computed", handler)``) and never import
this module.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from jiedao.api import DomainEvent


@dataclass(frozen=True)
class ScoreComputed(DomainEvent):
    """A new credit score was stored for an enterprise (evidence recorded, listing lifted,
    appeal accepted, mediation finding received or verified)."""

    name: ClassVar[str] = "credit.score.computed"
    enterprise_id: int
    score_id: int
    value: float
    risk_class: str

    @classmethod
    def of(cls, score) -> ScoreComputed:
        """The event announcing the stored ``score`` (a ``models.Score`` row)."""
        return cls(enterprise_id=score.enterprise_id, score_id=score.id, value=score.value, risk_class=score.risk_class)
