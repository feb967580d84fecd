"""The fake Alibaba Cloud served by a real uvicorn, mounted where the kernel mounts fake providers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from jiedao.api.channels import Message
from jiedao.core.testing.fake_provider import ServedFake, serve_fake
from jiedao.plugins.aliyun.fake.app import fake_aliyun
from jiedao.plugins.aliyun.settings import AliyunSettings

STREET = "changqing"
KEY_ID, SECRET = "LTAI5tFakeKeyId0001", "fake-secret-0123456789abcdef"
ENVIRON = {"JIEDAO_TEST_ALIYUN_KEY_ID": KEY_ID, "JIEDAO_TEST_ALIYUN_SECRET": SECRET}


def street_settings(**changes) -> AliyunSettings:
    """The street's settings pointing at its fake, with test key variables and templates."""
    values = {
        "endpoint": "fake",
        "access_key_id_env": "JIEDAO_TEST_ALIYUN_KEY_ID",
        "access_key_secret_env": "JIEDAO_TEST_ALIYUN_SECRET",
        "sms_sign_name": "长庆街道",
        "sms_templates": {"default": "SMS_100001", "critical": "SMS_100009"},
        "voice_templates": {"default": "TTS_200001"},
        "called_show_number": "057188880000",
        "timeout": 2,
    }
    return AliyunSettings.model_validate({**values, **changes})


def message(key: str = "alarm-7-grid-1", address: str = "13800138000", **changes) -> Message:
    """A smoke-alarm message as the outbox would hand it."""
    values = dict(
        id=7, key=key, street=STREET, channel="sms", address=address, recipient="王芳",
        subject="【火警】凤起都市花园 3幢 2单元 501 烟感报警", text="凤起都市花园 3幢 2单元 501 烟感报警,独居老人,请立即处理",
        params={"place": "凤起都市花园3幢2单元501", "what": "烟感报警", "who": "独居老人"}, severity="major",
    )
    return Message(**{**values, **changes})


@pytest.fixture(scope="module")
def fake_server() -> Iterator[ServedFake]:
    """One uvicorn for the module; each test brings its own recorder through ``recorder``."""
    with serve_fake(fake_aliyun, "aliyun", STREET, street_settings(), ENVIRON) as served:
        yield served


@pytest.fixture
def recorder(fake_server):
    """The fake's recorder, emptied for this test."""
    fake_server.recorder.deliveries.clear()
    fake_server.recorder.answers.clear()
    while fake_server.recorder.take_failure("aliyun"):
        pass
    return fake_server.recorder
