"""``wecom_robot``: a message into the street's WeCom group through its group robot.

``POST {endpoint}/cgi-bin/webhook/send?key=KEY`` with Markdown; the key (from the
environment) is the robot's only authentication. The robot has no receipts."""

from __future__ import annotations

from typing import ClassVar

from jiedao.api.channels import SENT, AddressKind, Message, Refused, SendResult, secret
from jiedao.plugins.wecom.text import robot_markdown
from jiedao.plugins.wecom.transport import WeComChannel


class WeComRobotChannel(WeComChannel):
    """Posts into one WeCom group chat (address kind ``group``)."""

    name: ClassVar[str] = "wecom_robot"
    address: ClassVar[AddressKind] = "group"
    title: ClassVar[str] = "企业微信群机器人"

    async def send(self, message: Message) -> SendResult:
        """Post the message as Markdown; ``SENT`` when the robot accepted it."""
        try:
            key = secret(self.environ, self.settings.robot_key_env)
            payload = {"msgtype": "markdown", "markdown": {"content": robot_markdown(message)}}
            await self.api.call("POST", f"{self.base_url()}/cgi-bin/webhook/send", params={"key": key}, json=payload)
        except Refused as refused:
            return refused.result
        return SendResult(SENT)
