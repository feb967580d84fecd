"""The ``voice`` channel: Alibaba Cloud voice notification calls read out by TTS (SingleCallByTts)."""

from __future__ import annotations

import json
from typing import ClassVar

from jiedao.api.channels import ANSWERED, FAILED, NO_ANSWER, AddressKind, Message, Receipt, SendResult
from jiedao.plugins.aliyun.calls import AliyunChannel, china_midnight_ms, china_time, kind_of, log, recent_days, template_params
from jiedao.plugins.aliyun.client import VOICE_ENDPOINT

VOICE_NOTIFICATION = 11000000300006
"""QueryCallDetailByCallId's ProdId of voice notifications (语音通知)."""
PICKED_UP = {"200000", "200001"}
"""Carrier states of a callee who answered: heard it all, or hung up before the end."""
BAD_NUMBER = {"200004"}
"""The number does not exist: trying again will not help."""


def call_outcome(detail: dict) -> Receipt | None:
    """What a call detail (QueryCallDetailByCallId's ``Data``) says: ANSWERED, NO_ANSWER, FAILED or None."""
    state = str(detail.get("state") or "")
    description = str(detail.get("stateDesc") or "")
    at = china_time(detail.get("endDate") or detail.get("startDate"))
    if not state:
        return None
    if state in PICKED_UP or int(detail.get("duration") or 0) > 0:
        return Receipt(ANSWERED, detail=f"{state} {description}".strip(), at=at)
    if state in BAD_NUMBER:
        return Receipt(FAILED, detail=f"{state} {description}".strip(), at=at)
    if state.startswith("2000"):
        return Receipt(NO_ANSWER, detail=f"{state} {description}".strip(), at=at)
    return None


class VoiceChannel(AliyunChannel):
    """A phone call reading out a TTS template approved in the voice console."""

    name: ClassVar[str] = "voice"
    address: ClassVar[AddressKind] = "phone"
    title: ClassVar[str] = "语音电话"
    default_endpoint = VOICE_ENDPOINT

    @staticmethod
    def client_class() -> type:
        """The voice SDK's client class, imported on first use."""
        from alibabacloud_dyvmsapi20170525.client import Client

        return Client

    async def send(self, message: Message) -> SendResult:
        """SingleCallByTts with the message's template (or the street's) and parameters; OutId is the message key."""
        from alibabacloud_dyvmsapi20170525 import models as vms

        if problem := self.missing_keys():
            return problem
        template = message.template or self.settings.voice_template(kind_of(message), message.severity)
        if not template:
            return SendResult(FAILED, detail=f"no TTS template for severity '{message.severity}': set voice_templates.default")
        request = vms.SingleCallByTtsRequest(
            called_number=message.address,
            called_show_number=self.settings.called_show_number or None,
            tts_code=template,
            tts_param=template_params(message),
            play_times=self.settings.play_times,
            out_id=message.key,
        )
        return await self.submit(self.client.single_call_by_tts_async(request), "call_id")

    async def poll(self, message: Message, provider_id: str) -> Receipt | None:
        """QueryCallDetailByCallId: ANSWERED when the callee picked up, NO_ANSWER when not, None while unknown."""
        from alibabacloud_dyvmsapi20170525 import models as vms

        for day in recent_days():
            request = vms.QueryCallDetailByCallIdRequest(call_id=provider_id, prod_id=VOICE_NOTIFICATION, query_date=china_midnight_ms(day))
            body = await self.ask("QueryCallDetailByCallId", provider_id, self.client.query_call_detail_by_call_id_async(request))
            if body is None:
                return None
            if body.data:
                try:
                    return call_outcome(json.loads(body.data))
                except ValueError:
                    log.warning("QueryCallDetailByCallId %s: unreadable Data %r", provider_id, body.data[:200])
                    return None
        return None
