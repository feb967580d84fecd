"""Fixtures of the DingTalk tests: the fake provider behind a real uvicorn, mounted where the
kernel mounts it (``/dev/providers/{street}/dingtalk``), and channels pointed at it with
``endpoint = "fake"`` exactly as a demo street is configured."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from jiedao.api.channels import FAKE, Message
from jiedao.core.testing.fake_provider import ServedFake, serve_fake
from jiedao.plugins.dingtalk.fake import fake_dingtalk
from jiedao.plugins.dingtalk.settings import DingTalkSettings

STREET = "changqing"
SECRETS = {
    "JIEDAO_DINGTALK_ROBOT_TOKEN": "robot-token-1",
    "JIEDAO_DINGTALK_ROBOT_SECRET": "SECa1b2c3d4e5f6+/=",
    "JIEDAO_DINGTALK_APP_KEY": "dingappkey1",
    "JIEDAO_DINGTALK_APP_SECRET": "app-secret-1",
}
SETTINGS = DingTalkSettings(endpoint=FAKE, agent_id=2468, timeout=0.5)


@pytest.fixture
def provider() -> Iterator[ServedFake]:
    """DingTalk's fake under real uvicorn, knowing ``SECRETS``."""
    with serve_fake(fake_dingtalk, "dingtalk", STREET, SETTINGS, SECRETS) as served:
        yield served


def message(**changed) -> Message:
    """A fire alarm for the grid worker 王芳 (DingTalk user id ``wangfang01``)."""
    values = {
        "id": 7,
        "key": "alarm-41-wangfang-dingtalk",
        "street": STREET,
        "channel": "dingtalk_work",
        "address": "wangfang01",
        "recipient": "王芳",
        "subject": "【火警】凤起都市花园 3幢 2单元 501 烟感报警",
        "text": "独居老人 张秀英（82岁）家中烟感报警。\n请立即前往查看。",
        "severity": "critical",
        "link": "https://jiedao.example/ack/abc123",
    }
    return Message(**{**values, **changed})
