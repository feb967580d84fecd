"""Fixtures of the DingTalk tests: the fake provider behind a real uvicorn, mounted where the
kernel mounts it (``/dev/providers/{street}/dingtalk``), and channels pointed at it with
``endpoint = "fake"`` exactly as a demo street is configured."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from jiedao.api.channels import FAKE, FakeRecorder, Message
from jiedao.core.notify.channels import FAKE_PROVIDERS_URL
from jiedao.core.testing.asgi_server import AsgiServer
from jiedao.plugins.dingtalk.fake import DingTalkFake, fake_dingtalk
from jiedao.plugins.dingtalk.settings import DingTalkSettings

STREET = "changqing"
SECRETS = {
    "JIEDAO_DINGTALK_ROBOT_TOKEN": "robot-token-1",
    "JIEDAO_DINGTALK_ROBOT_SECRET": "SECa1b2c3d4e5f6+/=",
    "JIEDAO_DINGTALK_APP_KEY": "dingappkey1",
    "JIEDAO_DINGTALK_APP_SECRET": "app-secret-1",
}
SETTINGS = DingTalkSettings(endpoint=FAKE, agent_id=2468, timeout=0.5)


@dataclass
class Provider:
    """The running fake: its recorder, its state and the environment channels get."""

    recorder: FakeRecorder
    fake: DingTalkFake
    environ: dict[str, str]

    def channel_environ(self, **changed: str) -> dict[str, str]:
        """The channel's environment, with some secrets changed (to make them wrong)."""
        return {**self.environ, **changed}


@pytest.fixture
def provider() -> Iterator[Provider]:
    """DingTalk's fake under real uvicorn, knowing ``SECRETS``."""
    recorder = FakeRecorder()
    app = fake_dingtalk(recorder, STREET, SETTINGS, dict(SECRETS))
    site = Starlette(routes=[Mount(f"/dev/providers/{STREET}/dingtalk", app)])
    with AsgiServer(site) as server:
        environ = {**SECRETS, FAKE_PROVIDERS_URL: f"{server.url}/dev/providers/{STREET}"}
        yield Provider(recorder, app.state.fake, environ)


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
