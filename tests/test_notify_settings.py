"""A street's notification policy in plugins.toml: bad values stop start-up naming the setting;
templates render what a person needs and leave out what an alert does not have."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from jiedao.core.config import parse_config, validate_against
from jiedao.core.notify.outbox import quiet_until
from jiedao.core.notify.settings import NotifySettings
from jiedao.core.notify.templates import BUILT_IN, render
from jiedao.core.plugins import discover


def problems(notify: dict) -> list[str]:
    config = parse_config({"streets": {"changqing": {"name": "长庆街道", "plugins": [], "notify": notify}}}, database_url="sqlite+aiosqlite://")
    return validate_against(config, discover().plugins)


@pytest.mark.parametrize(
    "notify, named",
    [
        ({"quiet_hours": "22:00-7"}, "quiet_hours"),
        ({"digest_at": "25:00"}, "digest_at"),
        ({"critical": {"next_after": "soon"}}, "critical.next_after"),
        ({"major": {"staf": ["sms"]}}, "major.staf"),
        ({"templates": {"sensors.alarm": {"zh": "费用 $5"}}}, "templates"),
        ({"templates": {"sensors.alarm": {"fr": "x"}}}, "templates"),
        ({"locale": "fr"}, "locale"),
        ({"retry": {"max_attempts": 0}}, "retry.max_attempts"),
    ],
)
def test_bad_settings_stop_start_up_naming_the_setting(notify, named):
    found = problems(notify)
    assert found and all(f"setting '{named}" in p or named in p for p in found), found
    assert "[streets.changqing.notify]" in found[0]


def test_the_defaults_follow_severity():
    settings = NotifySettings()
    assert settings.critical.public == ("voice", "sms") and settings.critical.escalate
    assert settings.minor.digest and not settings.minor.escalate
    assert settings.major.then == ("sms",)


def test_quiet_hours_span_midnight_and_hold_minor_messages_until_they_end():
    settings = NotifySettings(quiet_hours="22:00-07:00")
    at_night = datetime(2026, 12, 1, 16, 30, tzinfo=UTC)  # 00:30 in China
    assert quiet_until(settings, at_night) == datetime(2026, 12, 1, 23, 0, tzinfo=UTC)  # 07:00 in China
    assert quiet_until(settings, datetime(2026, 12, 1, 4, 0, tzinfo=UTC)) is None  # noon
    assert quiet_until(NotifySettings(quiet_hours=""), at_night) is None


def test_an_alarm_message_says_what_where_who_and_how_to_acknowledge_and_skips_what_it_lacks():
    fields = {"what": "烟感报警", "where": "凤起都市花园 3幢 501", "who": "李奶奶（独居、老人）", "device": "SMOKE_DETECTOR SD-1",
              "when": "2026-12-02 03:00", "step": "网格员", "severity": "紧急", "ack": "https://j.example/notify/ack/changqing/t"}
    text = render(BUILT_IN["sensors.alarm"]["zh"], fields)
    assert text.splitlines()[0] == "【紧急】烟感报警"
    assert "地点：凤起都市花园 3幢 501" in text and "住户：李奶奶（独居、老人）" in text and text.endswith("https://j.example/notify/ack/changqing/t")
    corridor = render(BUILT_IN["sensors.alarm"]["en"], {**fields, "who": ""})
    assert "Who lives there" not in corridor and "Where: 凤起都市花园 3幢 501" in corridor


def test_the_demo_turns_fake_providers_on_for_its_kernel_only_and_keeps_what_the_operator_set():
    import os

    from jiedao.core.notify.demo import demo_environment

    environ = demo_environment("127.0.0.1", 8000, {"ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAI-mine"})
    assert environ["JIEDAO_FAKE_PROVIDERS"] == "1" and environ["JIEDAO_PUBLIC_URL"] == "http://127.0.0.1:8000"
    assert environ["ALIBABA_CLOUD_ACCESS_KEY_ID"] == "LTAI-mine" and environ["JIEDAO_DINGTALK_APP_KEY"].startswith("demo-")
    demo_environment("127.0.0.1", 8000)
    assert "JIEDAO_FAKE_PROVIDERS" not in os.environ, "the process environment is left alone"
