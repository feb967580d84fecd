"""``dingtalk_work``: a work notice (工作通知) from the street's corp app to one person.

The access token comes from ``GET {endpoint}/gettoken?appkey=&appsecret=`` and is cached until
shortly before ``expires_in``; a token DingTalk refuses (40014 invalid, 42001 expired) is
renewed once. The notice goes out with
``POST {endpoint}/topapi/message/corpconversation/asyncsend_v2`` (an action card whose button
opens the acknowledgement link, or Markdown without a link); DingTalk's ``task_id`` is the
provider id, and ``poll`` asks ``getsendresult`` whether the person read it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from jiedao.api.channels import DELIVERED, FAILED, READ, SENT, AddressKind, Message, Receipt, Refused, SendResult, TokenCache, issued_token, secret
from jiedao.plugins.dingtalk.markdown import ACK_LABEL, message_markdown
from jiedao.plugins.dingtalk.settings import DingTalkSettings
from jiedao.plugins.dingtalk.transport import TOKEN_REFUSED, DingTalkChannel

SEND = "/topapi/message/corpconversation/asyncsend_v2"
RESULT = "/topapi/message/corpconversation/getsendresult"
UNDELIVERABLE = ("invalid_user_id_list", "forbidden_user_id_list", "failed_user_id_list")
"""The lists of ``getsendresult`` naming people a notice will never reach."""


def work_msg(message: Message) -> dict[str, Any]:
    """The ``msg`` of a work notice: an action card opening ``message.link``, else Markdown."""
    if message.link:
        card = {"title": message.subject, "markdown": message_markdown(message, with_link=False), "single_title": ACK_LABEL.get(message.locale, ACK_LABEL["zh"]), "single_url": message.link}
        return {"msgtype": "action_card", "action_card": card}
    return {"msgtype": "markdown", "markdown": {"title": message.subject, "text": message_markdown(message)}}


def receipt_of(send_result: Mapping[str, Any], user_id: str) -> Receipt | None:
    """What ``getsendresult``'s ``send_result`` says about ``user_id``."""
    if user_id in send_result.get("read_user_id_list") or []:
        return Receipt(READ)
    if user_id in send_result.get("unread_user_id_list") or []:
        return Receipt(DELIVERED)
    for key in UNDELIVERABLE:
        if user_id in send_result.get(key) or []:
            return Receipt(FAILED, detail=f"DingTalk lists {user_id} in {key}")
    return None


class DingTalkWorkChannel(DingTalkChannel):
    """Sends work notices to a person's DingTalk user id (address kind ``dingtalk``)."""

    name: ClassVar[str] = "dingtalk_work"
    address: ClassVar[AddressKind] = "dingtalk"
    title: ClassVar[str] = "钉钉工作通知"

    def __init__(self, settings: DingTalkSettings | None, environ: Mapping[str, str]) -> None:
        super().__init__(settings, environ)
        self.tokens = TokenCache(self._fetch_token, refused=TOKEN_REFUSED)

    async def _fetch_token(self) -> tuple[str, int]:
        params = {"appkey": secret(self.environ, self.settings.app_key_env), "appsecret": secret(self.environ, self.settings.app_secret_env)}
        return issued_token(await self.api.call("GET", f"{self.base_url()}/gettoken", params=params, label="gettoken"))

    async def _authorised(self, path: str, payload: dict[str, Any]) -> dict[str, Any]:
        """POST ``payload`` to ``path`` with the app's token, renewing a refused token once."""
        return await self.tokens.authorised(lambda token: self.api.call("POST", f"{self.base_url()}{path}", params={"access_token": token}, json=payload))

    async def send(self, message: Message) -> SendResult:
        """Hand the notice to DingTalk; ``SENT`` with the ``task_id`` as provider id."""
        if self.settings.agent_id is None:
            return SendResult(FAILED, detail=f"agent_id is not set in [streets.{message.street}.dingtalk]")
        if not message.address:
            return SendResult(FAILED, detail="the recipient has no DingTalk user id")
        payload = {"agent_id": self.settings.agent_id, "userid_list": message.address, "msg": work_msg(message)}
        try:
            body = await self._authorised(SEND, payload)
        except Refused as refused:
            return refused.result
        return SendResult(SENT, provider_id=str(body.get("task_id", "")))

    async def poll(self, message: Message, provider_id: str) -> Receipt | None:
        """``READ``/``DELIVERED``/``FAILED`` from ``getsendresult``; None while DingTalk does
        not list the person yet or cannot be asked right now."""
        if self.settings.agent_id is None or not provider_id:
            return None
        try:
            body = await self._authorised(RESULT, {"agent_id": self.settings.agent_id, "task_id": int(provider_id)})
        except Refused:
            return None
        return receipt_of(body.get("send_result") or {}, message.address)
