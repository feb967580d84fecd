"""``wecom_app``: an application message (应用消息) from the street's WeCom app to one person.

The access token comes from ``GET {endpoint}/cgi-bin/gettoken?corpid=&corpsecret=`` and is
cached until shortly before ``expires_in``; a token WeCom refuses (40014 invalid, 42001
expired) is renewed once. The message goes out with ``POST {endpoint}/cgi-bin/message/send``
as a text card whose button opens the acknowledgement link (plain text without a link); the
``msgid`` is the provider id. WeCom gives no delivery or read receipts for application
messages, so ``poll`` always returns None."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from jiedao.api.channels import FAILED, SENT, AddressKind, Message, Refused, SendResult, TokenCache, issued_token, secret
from jiedao.plugins.wecom.settings import WeComSettings
from jiedao.plugins.wecom.text import app_message
from jiedao.plugins.wecom.transport import TOKEN_REFUSED, WeComChannel

SEND = "/cgi-bin/message/send"


class WeComAppChannel(WeComChannel):
    """Sends application messages to a person's WeCom user id (address kind ``wecom``)."""

    name: ClassVar[str] = "wecom_app"
    address: ClassVar[AddressKind] = "wecom"
    title: ClassVar[str] = "企业微信应用消息"

    def __init__(self, settings: WeComSettings | None, environ: Mapping[str, str]) -> None:
        super().__init__(settings, environ)
        self.tokens = TokenCache(self._fetch_token, refused=TOKEN_REFUSED)

    async def _fetch_token(self) -> tuple[str, int]:
        params = {"corpid": secret(self.environ, self.settings.corp_id_env), "corpsecret": secret(self.environ, self.settings.corp_secret_env)}
        return issued_token(await self.api.call("GET", f"{self.base_url()}/cgi-bin/gettoken", params=params, label="gettoken"))

    async def _send(self, payload: dict[str, Any]) -> dict[str, Any]:
        """POST ``payload`` with the app's token, renewing a refused token once."""
        return await self.tokens.authorised(lambda token: self.api.call("POST", f"{self.base_url()}{SEND}", params={"access_token": token}, json=payload))

    async def send(self, message: Message) -> SendResult:
        """Hand the message to WeCom; ``SENT`` with the ``msgid`` as provider id, ``FAILED``
        when WeCom names the person an invalid user."""
        if self.settings.agent_id is None:
            return SendResult(FAILED, detail=f"agent_id is not set in [streets.{message.street}.wecom]")
        if not message.address:
            return SendResult(FAILED, detail="the recipient has no WeCom user id")
        payload = {"touser": message.address, "agentid": self.settings.agent_id, **app_message(message)}
        try:
            body = await self._send(payload)
        except Refused as refused:
            return refused.result
        if message.address in (body.get("invaliduser") or "").split("|"):
            return SendResult(FAILED, detail=f"WeCom lists {message.address} as an invalid user")
        return SendResult(SENT, provider_id=str(body.get("msgid", "")))
