"""``[streets.<slug>.aliyun]``: where the channels talk to, whose keys, which templates."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
SMS_TEMPLATE = re.compile(r"^SMS_\d+$")
TTS_TEMPLATE = re.compile(r"^TTS_\d+$")
DEFAULT = "default"
"""The template key used when neither the event kind nor the severity has one."""


class AliyunSettings(BaseModel):
    """A street's Alibaba Cloud settings; secrets are read from the environment variables named here."""

    model_config = ConfigDict(extra="forbid")

    endpoint: str | None = None
    """Unset: the SDKs' real endpoints (``dysmsapi.aliyuncs.com``, ``dyvmsapi.aliyuncs.com``);
    ``"fake"``: this street's local fake provider; otherwise a base URL used for both APIs."""
    access_key_id_env: str = "ALIBABA_CLOUD_ACCESS_KEY_ID"
    """Name of the environment variable holding the AccessKey id."""
    access_key_secret_env: str = "ALIBABA_CLOUD_ACCESS_KEY_SECRET"
    """Name of the environment variable holding the AccessKey secret."""
    sms_sign_name: str = ""
    """The approved SMS signature (签名), e.g. ``长庆街道``."""
    sms_templates: dict[str, str] = Field(default_factory=dict)
    """Event kind or severity -> SMS template code (``SMS_123456``); ``default`` for the rest."""
    voice_templates: dict[str, str] = Field(default_factory=dict)
    """Event kind or severity -> TTS template code (``TTS_123456``); ``default`` for the rest."""
    called_show_number: str = ""
    """The number the callee sees (a number bought in the voice console); empty: the public pool."""
    play_times: int = Field(2, ge=1, le=3)
    """How many times the call plays the message."""
    timeout: float = Field(10.0, gt=0, le=60)
    """Seconds one request to Alibaba Cloud may take (connect and answer) before it counts as RETRY."""

    @field_validator("endpoint")
    @classmethod
    def _endpoint(cls, value: str | None) -> str | None:
        if value is not None and (not value.strip() or any(c.isspace() for c in value)):
            raise ValueError("must be 'fake', a host name or an http(s) URL without spaces")
        return value

    @field_validator("access_key_id_env", "access_key_secret_env")
    @classmethod
    def _env_name(cls, value: str) -> str:
        if not ENV_NAME.match(value):
            raise ValueError(f"must be the NAME of an environment variable (letters, digits, '_'), not {value!r}")
        return value

    @field_validator("sms_templates")
    @classmethod
    def _sms_templates(cls, value: dict[str, str]) -> dict[str, str]:
        return _check_codes(value, SMS_TEMPLATE, "SMS_123456")

    @field_validator("voice_templates")
    @classmethod
    def _voice_templates(cls, value: dict[str, str]) -> dict[str, str]:
        return _check_codes(value, TTS_TEMPLATE, "TTS_123456")

    def sms_template(self, kind: str, severity: str) -> str:
        """The SMS template for a message without its own: by kind, then severity, then ``default``."""
        return _pick(self.sms_templates, kind, severity)

    def voice_template(self, kind: str, severity: str) -> str:
        """The TTS template for a message without its own: by kind, then severity, then ``default``."""
        return _pick(self.voice_templates, kind, severity)


def _check_codes(codes: dict[str, str], pattern: re.Pattern, example: str) -> dict[str, str]:
    bad = [f"{key} = {code!r}" for key, code in codes.items() if not pattern.match(code)]
    if bad:
        raise ValueError(f"template codes look like {example!r}; got {', '.join(bad)}")
    return codes


def _pick(codes: dict[str, str], kind: str, severity: str) -> str:
    return codes.get(kind) or codes.get(severity) or codes.get(DEFAULT, "")
