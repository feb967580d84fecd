"""``[streets.<slug>.sensors.nbiot]``: which platforms may push to the street, and the
environment variables holding their secrets (never the secrets themselves)."""

from __future__ import annotations

from datetime import timedelta

from pydantic import BaseModel, Field

from jiedao.api.domain import Duration

ENV_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"


class NbiotSettings(BaseModel):
    """A street's NB-IoT push endpoints. A platform whose ``*_token_env`` is unset is off
    (its URL answers 404); set, the variable it names must hold the token (503 otherwise)."""

    model_config = {"extra": "forbid"}

    ctwing_token_env: str | None = Field(
        None, pattern=ENV_NAME,
        description="Environment variable with the token CTWing's subscription URL carries (?token=...); unset: CTWing pushes are refused.",
    )
    onenet_token_env: str | None = Field(
        None, pattern=ENV_NAME,
        description="Environment variable with the token configured in OneNET's HTTP push (signs msg+nonce); unset: OneNET pushes are refused.",
    )
    remember_deliveries: Duration = Field(
        timedelta(days=7),
        description="How long the key of a platform message is kept, so that a retry stores nothing twice (pruned by the roll-up run).",
    )
    max_body_bytes: int = Field(
        1024 * 1024, gt=0, le=4 * 1024 * 1024,
        description=(
            "Larger request bodies are refused (400) unread past this size. The default holds the largest OneNET batch "
            "the endpoint reads (1,000 messages; a thing-model report is up to about 1 KB): a OneNET body is signed whole, "
            "so one too large for this loses every message in it."
        ),
    )
