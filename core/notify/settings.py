"""A street's notification policy: ``[streets.<slug>.notify]`` in plugins.toml (a core section).

::

    [streets.changqing.notify]
    public_url = "https://jiedao.example.gov.cn"      # where acknowledgement links point
    quiet_hours = "22:00-07:00"                        # minor messages wait until it ends
    digest_at = "09:00"                                # minor messages: one digest a day
    group_channels = ["dingtalk_robot"]                # every critical/major alert also posted there

    [streets.changqing.notify.critical]
    staff = ["voice", "dingtalk_work"]                 # channels for staff, at once
    public = ["voice", "sms"]                          # for residents and emergency contacts
    next_after = "5m"                                  # the next people if nobody acknowledged

    [streets.changqing.notify.major]
    staff = ["dingtalk_work", "wecom_app"]
    then = ["sms"]                                     # the same people again after then_after
    then_after = "10m"
    next_after = "30m"

A channel listed but not enabled in the street (its plugin not in ``plugins``), or a person
without an address for it, is skipped; a person no listed channel can reach gets the ``log``
channel, so the message is at least on record.
"""

from __future__ import annotations

import re
from datetime import time, timedelta

from pydantic import BaseModel, ConfigDict, Field, field_validator

from jiedao.core.notify.templates import check_template
from jiedao.core.settings import Duration

CRITICAL, MAJOR, MINOR, INFO = "critical", "major", "minor", "info"
SEVERITIES = (CRITICAL, MAJOR, MINOR, INFO)
_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


def _clock(value: str, field: str) -> time:
    match = _HHMM.match(value.strip())
    if not match:
        raise ValueError(f"{field}: expected HH:MM (24-hour), got {value!r}")
    return time(int(match.group(1)), int(match.group(2)))


class SeverityPolicy(BaseModel):
    """How alerts of one severity reach people."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    staff: tuple[str, ...] = Field(("log",), description="Channels for staff (accounts), all used at once.")
    public: tuple[str, ...] = Field((), description="Channels for residents and their emergency contacts.")
    then: tuple[str, ...] = Field((), description="Channels for the same people again after `then_after` if nobody acknowledged.")
    then_after: Duration = Field(timedelta(minutes=10), description="Wait before the `then` channels.")
    next_after: Duration = Field(timedelta(minutes=15), description="Wait before the next people in the chain.")
    repeat_after: Duration = Field(timedelta(minutes=30), description="When the chain ran out unacknowledged, the last people are told again this often.")
    max_repeats: int = Field(6, ge=0, le=100, description="How often the last people are told again.")
    digest: bool = Field(False, description="Collect these messages into the daily digest instead of sending each.")
    escalate: bool = Field(True, description="Climb the chain (grid → community → street); False: only the first people.")


class RetryPolicy(BaseModel):
    """Retries of a message a provider did not take."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_attempts: int = Field(8, ge=1, le=50, description="Attempts before a message is FAILED.")
    first_delay: Duration = Field(timedelta(seconds=5), description="Wait after the first failed attempt; doubled each time.")
    max_delay: Duration = Field(timedelta(minutes=10), description="The longest wait between attempts.")
    poll_every: Duration = Field(timedelta(seconds=30), description="How often a provider is asked for a receipt.")
    max_polls: int = Field(20, ge=0, le=500, description="Receipt questions before the outbox stops asking.")
    lease: Duration = Field(
        timedelta(seconds=60),
        description="How long a worker owns a message it took; a worker killed mid-delivery leaves it to another after this. Longer than any channel's timeout.",
    )


def _default(severity: str) -> SeverityPolicy:
    if severity == CRITICAL:
        return SeverityPolicy(staff=("voice", "dingtalk_work", "wecom_app", "sms"), public=("voice", "sms"), next_after=timedelta(minutes=5), repeat_after=timedelta(minutes=10))
    if severity == MAJOR:
        return SeverityPolicy(staff=("dingtalk_work", "wecom_app"), public=("sms",), then=("sms",), then_after=timedelta(minutes=10), next_after=timedelta(minutes=30))
    if severity == MINOR:
        return SeverityPolicy(staff=("dingtalk_work", "wecom_app", "sms"), digest=True, escalate=False, max_repeats=0)
    return SeverityPolicy(staff=("dingtalk_work", "wecom_app"), escalate=False, max_repeats=0)


class NotifySettings(BaseModel):
    """Who is told how, per severity; quiet hours, digest, retries, rate limits, templates."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    critical: SeverityPolicy = Field(default_factory=lambda: _default(CRITICAL))
    major: SeverityPolicy = Field(default_factory=lambda: _default(MAJOR))
    minor: SeverityPolicy = Field(default_factory=lambda: _default(MINOR))
    info: SeverityPolicy = Field(default_factory=lambda: _default(INFO))
    group_channels: tuple[str, ...] = Field((), description="Group channels (robots) every critical or major alert is also posted to.")
    quiet_hours: str = Field("22:00-07:00", description="HH:MM-HH:MM, China time: minor messages wait until the end; empty: none.")
    digest_at: str = Field("09:00", description="HH:MM, China time: when the day's minor messages go out as one digest per person.")
    per_minute: int = Field(6, ge=1, le=1000, description="At most this many non-critical messages per person and channel per minute; more wait.")
    retry: RetryPolicy = Field(default_factory=RetryPolicy)
    public_url: str = Field("", description="Base URL of acknowledgement links (default: JIEDAO_PUBLIC_URL).")
    locale: str = Field("zh", pattern=r"^(zh|en)$", description="Language of the messages: zh or en.")
    templates: dict[str, dict[str, str]] = Field(
        default_factory=dict,
        description="Message templates per kind and locale (`{kind = {zh = \"...\", en = \"...\"}}`), $field placeholders; see core/notify/templates.py.",
    )

    @field_validator("quiet_hours")
    @classmethod
    def _quiet(cls, value: str) -> str:
        if value.strip():
            start, _, end = value.partition("-")
            _clock(start, "quiet_hours"), _clock(end, "quiet_hours")
        return value.strip()

    @field_validator("templates")
    @classmethod
    def _templates(cls, value: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        for kind, texts in value.items():
            for locale, text in texts.items():
                if locale not in ("zh", "en"):
                    raise ValueError(f"templates.{kind}: unknown locale {locale!r} (zh or en)")
                problem = check_template(text)
                if problem:
                    raise ValueError(f"templates.{kind}.{locale}: {problem} (write $$ for a dollar sign)")
        return value

    @field_validator("digest_at")
    @classmethod
    def _digest(cls, value: str) -> str:
        _clock(value, "digest_at")
        return value.strip()

    def policy(self, severity: str) -> SeverityPolicy:
        """The policy of ``severity`` (unknown severities are treated as ``info``)."""
        return getattr(self, severity.lower(), None) if severity.lower() in SEVERITIES else self.info

    def quiet(self) -> tuple[time, time] | None:
        """Start and end of the quiet hours, or None."""
        if not self.quiet_hours:
            return None
        start, _, end = self.quiet_hours.partition("-")
        return _clock(start, "quiet_hours"), _clock(end, "quiet_hours")

    def digest_time(self) -> time:
        """When the daily digest goes out (China time)."""
        return _clock(self.digest_at, "digest_at")
