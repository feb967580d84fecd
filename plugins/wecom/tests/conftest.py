"""Fixtures of the WeCom tests: the fake provider behind a real uvicorn, mounted where the
kernel mounts it (``/dev/providers/{street}/wecom``), and channels pointed at it with
``endpoint = "fake"`` exactly as a demo street is configured."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from jiedao.api.channels import FAKE, Message
from jiedao.core.testing.fake_provider import ServedFake, serve_fake
from jiedao.plugins.wecom.fake import fake_wecom
from jiedao.plugins.wecom.settings import WeComSettings

STREET = "changqing"
SECRETS = {
    "JIEDAO_WECOM_ROBOT_KEY": "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa",
    "JIEDAO_WECOM_CORP_ID": "ww1234567890abcdef",
    "JIEDAO_WECOM_CORP_SECRET": "corp-secret-1",
}
SETTINGS = WeComSettings(endpoint=FAKE, agent_id=1000002, timeout=0.5)


@pytest.fixture
def provider() -> Iterator[ServedFake]:
    """WeCom's fake under real uvicorn, knowing ``SECRETS``."""
    with serve_fake(fake_wecom, "wecom", STREET, SETTINGS, SECRETS) as served:
        yield served


def message(**changed) -> Message:
    """A fire alarm for the community duty worker 李强 (WeCom user id ``LiQiang``)."""
    values = {
        "id": 9,
        "key": "alarm-41-liqiang-wecom",
        "street": STREET,
        "channel": "wecom_app",
        "address": "LiQiang",
        "recipient": "李强",
        "subject": "【火警】凤起都市花园 3幢 2单元 501 烟感报警",
        "text": "独居老人 张秀英（82岁）家中烟感报警。\n请立即前往查看。",
        "severity": "critical",
        "link": "https://jiedao.example/ack/def456",
    }
    return Message(**{**values, **changed})
