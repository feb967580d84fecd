"""The ``sms`` channel: Alibaba Cloud SMS (SendSms, receipts through QuerySendDetails)."""

from __future__ import annotations

from typing import ClassVar

from jiedao.api.channels import DELIVERED, FAILED, AddressKind, Message, Receipt, SendResult
from jiedao.plugins.aliyun.calls import AliyunChannel, china_time, kind_of, recent_days, template_params
from jiedao.plugins.aliyun.client import SMS_ENDPOINT

SEND_STATUS = {3: DELIVERED, 2: FAILED}
"""QuerySendDetails' SendStatus: 1 waiting for the carrier's receipt, 2 failed, 3 delivered."""


class SmsChannel(AliyunChannel):
    """A text message from a template approved in the SMS console, signed with the street's name."""

    name: ClassVar[str] = "sms"
    address: ClassVar[AddressKind] = "phone"
    title: ClassVar[str] = "短信"
    default_endpoint = SMS_ENDPOINT

    @staticmethod
    def client_class() -> type:
        """The SMS SDK's client class, imported on first use."""
        from alibabacloud_dysmsapi20170525.client import Client

        return Client

    async def send(self, message: Message) -> SendResult:
        """SendSms with the message's template (or the street's) and parameters; OutId is the message key."""
        from alibabacloud_dysmsapi20170525 import models as sms

        if problem := self.missing_keys():
            return problem
        template = message.template or self.settings.sms_template(kind_of(message), message.severity)
        if not template:
            return SendResult(FAILED, detail=f"no SMS template for severity '{message.severity}': set sms_templates.default")
        if not self.settings.sms_sign_name:
            return SendResult(FAILED, detail="no SMS signature: set sms_sign_name")
        request = sms.SendSmsRequest(
            phone_numbers=message.address,
            sign_name=self.settings.sms_sign_name,
            template_code=template,
            template_param=template_params(message),
            out_id=message.key,
        )
        return await self.submit(self.client.send_sms_async(request), "biz_id")

    async def poll(self, message: Message, provider_id: str) -> Receipt | None:
        """QuerySendDetails for the BizId: DELIVERED, FAILED with the carrier's ErrCode, or None while waiting."""
        from alibabacloud_dysmsapi20170525 import models as sms

        for day in recent_days():
            request = sms.QuerySendDetailsRequest(
                phone_number=message.address, biz_id=provider_id, send_date=day.strftime("%Y%m%d"), page_size=10, current_page=1
            )
            body = await self.ask("QuerySendDetails", provider_id, self.client.query_send_details_async(request))
            if body is None:
                return None
            found = body.sms_send_detail_dtos.sms_send_detail_dto if body.sms_send_detail_dtos else []
            if found:
                detail = found[0]
                outcome = SEND_STATUS.get(int(detail.send_status or 1))
                if outcome is None:
                    return None
                return Receipt(outcome, detail=detail.err_code or "", at=china_time(detail.receive_date))
        return None
