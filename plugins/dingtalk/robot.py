"""``dingtalk_robot``: a message into the street's DingTalk group through its custom robot.

``POST {endpoint}/robot/send?access_token=..&timestamp=..&sign=..`` with a Markdown message,
signed as DingTalk documents (``signing``). The robot has no receipts."""

from __future__ import annotations

from typing import Any, ClassVar
from urllib.parse import quote

from jiedao.api.channels import SENT, AddressKind, Message, Refused, SendResult, secret
from jiedao.plugins.dingtalk import signing
from jiedao.plugins.dingtalk.markdown import message_markdown
from jiedao.plugins.dingtalk.transport import DingTalkChannel


def robot_payload(message: Message) -> dict[str, Any]:
    """The robot's JSON body: Markdown with the subject as the title."""
    return {"msgtype": "markdown", "markdown": {"title": message.subject, "text": message_markdown(message)}}


class DingTalkRobotChannel(DingTalkChannel):
    """Posts into one DingTalk group chat (address kind ``group``)."""

    name: ClassVar[str] = "dingtalk_robot"
    address: ClassVar[AddressKind] = "group"
    title: ClassVar[str] = "钉钉群机器人"

    def _url(self) -> str:
        token = secret(self.environ, self.settings.robot_token_env)
        key = secret(self.environ, self.settings.robot_secret_env)
        timestamp = signing.now_ms()
        # ``sign`` is already URL-encoded as DingTalk documents: it goes into the URL as is.
        return f"{self.base_url()}/robot/send?access_token={quote(token, safe='')}&timestamp={timestamp}&sign={signing.robot_sign(timestamp, key)}"

    async def send(self, message: Message) -> SendResult:
        """Sign and post the message; ``SENT`` when the robot accepted it."""
        try:
            await self.api.call("POST", self._url(), json=robot_payload(message))
        except Refused as refused:
            return refused.result
        return SendResult(SENT)
