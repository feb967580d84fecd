"""Street settings of the aliyun plugin: unknown keys and bad values are refused by name."""

from __future__ import annotations

import pytest

from jiedao.core.config import parse_config, validate_against
from jiedao.core.plugins import discover
from jiedao.plugins.aliyun.client import target
from jiedao.plugins.aliyun.settings import AliyunSettings


def problems(settings: dict) -> list[str]:
    config = parse_config({"streets": {"changqing": {"name": "长庆街道", "plugins": ["aliyun"], "aliyun": settings}}}, database_url="sqlite+aiosqlite:///:memory:")
    return validate_against(config, discover().plugins)


def test_good_settings_are_accepted_through_plugins_toml():
    assert problems({"endpoint": "fake", "sms_sign_name": "长庆街道", "sms_templates": {"default": "SMS_1", "critical": "SMS_2"}, "voice_templates": {"default": "TTS_3"}, "timeout": 5}) == []


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        ({"access_key": "LTAI..."}, "access_key"),
        ({"sms_templates": {"default": "12345"}}, "sms_templates"),
        ({"voice_templates": {"critical": "SMS_1"}}, "voice_templates"),
        ({"access_key_secret_env": "my secret"}, "access_key_secret_env"),
        ({"timeout": 0}, "timeout"),
        ({"timeout": "soon"}, "timeout"),
        ({"play_times": 9}, "play_times"),
        ({"endpoint": "http://exa mple"}, "endpoint"),
    ],
)
def test_bad_settings_are_refused_naming_the_field(settings, field):
    found = problems(settings)
    assert len(found) == 1 and field in found[0] and "aliyun" in found[0], found


def test_the_endpoint_is_the_sdks_real_one_unless_configured():
    assert target(AliyunSettings(), "dysmsapi.aliyuncs.com", {}) == target(AliyunSettings(endpoint="https://dysmsapi.aliyuncs.com"), "x", {})
    fake = target(AliyunSettings(endpoint="fake"), "dysmsapi.aliyuncs.com", {"JIEDAO_FAKE_PROVIDERS_URL": "http://127.0.0.1:8000/dev/providers/changqing"})
    assert (fake.protocol, fake.host, fake.prefix) == ("http", "127.0.0.1:8000", "/dev/providers/changqing/aliyun")
