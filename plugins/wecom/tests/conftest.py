"""Fixtures of the WeCom tests: the fake provider behind a real uvicorn, mounted where the
kernel mounts it (``/dev/providers/{street}/wecom``), and channels pointed at it with
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
from jiedao.plugins.wecom.fake import WeComFake, fake_wecom
from jiedao.plugins.wecom.settings import WeComSettings

STREET = "changqing"
SECRETS = {
    "JIEDAO_WECOM_ROBOT_KEY": "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa",
    "JIEDAO_WECOM_CORP_ID": "ww1234567890abcdef",
    "JIEDAO_WECOM_CORP_SECRET": "corp-secret-1",
}
SETTINGS = WeComSettings(endpoint=FAKE, agent_id=1000002, timeout=0.5)


@dataclass
class Provider:
    """The running fake: its recorder, its state and the environment channels get."""

    recorder: FakeRecorder
    fake: WeComFake
    environ: dict[str, str]

    def channel_environ(self, **changed: str) -> dict[str, str]:
        """The channel's environment, with some secrets changed (to make them wrong)."""
        return {**self.environ, **changed}


@pytest.fixture
def provider() -> Iterator[Provider]:
    """WeCom's fake under real uvicorn, knowing ``SECRETS``."""
    recorder = FakeRecorder()
    app = fake_wecom(recorder, STREET, SETTINGS, dict(SECRETS))
    site = Starlette(routes=[Mount(f"/dev/providers/{STREET}/wecom", app)])
    with AsgiServer(site) as server:
        environ = {**SECRETS, FAKE_PROVIDERS_URL: f"{server.url}/dev/providers/{STREET}"}
        yield Provider(recorder, app.state.fake, environ)


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
