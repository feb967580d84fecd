"""``wecom_robot``: a message into the street's WeCom group through its group robot.

``POST {endpoint}/cgi-bin/webhook/send?key=KEY`` with Markdown; the key (from the
environment) is the robot's only authentication. The robot has no receipts."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from jiedao.api.channels import SENT, AddressKind, Message, Receipt, Refused, SendResult, endpoint_of, secret
from jiedao.plugins.wecom.settings import DEFAULT_ENDPOINT, WeComSettings
from jiedao.plugins.wecom.text import robot_markdown
from jiedao.plugins.wecom.transport import wecom_api


class WeComRobotChannel:
    """Posts into one WeCom group chat (address kind ``group``)."""

    name: ClassVar[str] = "wecom_robot"
    address: ClassVar[AddressKind] = "group"
    title: ClassVar[str] = "企业微信群机器人"

    def __init__(self, settings: WeComSettings | None, environ: Mapping[str, str]) -> None:
        self.settings = settings or WeComSettings()
        self.environ = environ
        self.api = wecom_api(self.settings.timeout)

    async def send(self, message: Message) -> SendResult:
        """Post the message as Markdown; ``SENT`` when the robot accepted it."""
        try:
            key = secret(self.environ, self.settings.robot_key_env)
            base = endpoint_of(self.settings.endpoint, DEFAULT_ENDPOINT, self.environ, "wecom")
            payload = {"msgtype": "markdown", "markdown": {"content": robot_markdown(message)}}
            await self.api.call("POST", f"{base}/cgi-bin/webhook/send", params={"key": key}, json=payload)
        except Refused as refused:
            return refused.result
        return SendResult(SENT)

    async def poll(self, message: Message, provider_id: str) -> Receipt | None:
        """Group robots give no receipts."""
        return None

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        await self.api.aclose()
