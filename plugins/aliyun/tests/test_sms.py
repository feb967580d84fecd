"""The sms channel against the fake Alibaba Cloud over real HTTP, signatures checked."""

from __future__ import annotations

import json
from datetime import datetime

from jiedao.api.channels import DELIVERED, FAILED, RETRY, SENT
from jiedao.api.domain import CHINA
from jiedao.plugins.aliyun.fake.app import sends_by_out_id
from jiedao.plugins.aliyun.sms import SmsChannel

from .conftest import STREET, message, street_settings


async def test_an_sms_is_sent_signed_with_its_template_and_parameters(fake_server, recorder):
    channel = SmsChannel(street_settings(), fake_server.channel_environ())
    result = await channel.send(message())
    assert result.outcome == SENT, result.detail
    [delivery] = recorder.for_street(STREET)
    assert delivery.verified and delivery.channel == "sms" and delivery.to == "13800138000"
    assert delivery.provider_id == result.provider_id
    assert delivery.raw["TemplateCode"] == "SMS_100001" and delivery.raw["SignName"] == "长庆街道"
    assert json.loads(delivery.raw["TemplateParam"]) == {"place": "凤起都市花园3幢2单元501", "what": "烟感报警", "who": "独居老人"}
    assert delivery.raw["OutId"] == "alarm-7-grid-1"
    assert "SMS_100001" in delivery.text and "烟感报警" in delivery.text


async def test_the_template_follows_the_message_then_the_severity(fake_server, recorder):
    channel = SmsChannel(street_settings(), fake_server.channel_environ())
    assert (await channel.send(message(key="k-critical", severity="critical"))).outcome == SENT
    assert (await channel.send(message(key="k-own", template="SMS_555555"))).outcome == SENT
    assert [d.raw["TemplateCode"] for d in recorder.for_street(STREET)] == ["SMS_100009", "SMS_555555"]


async def test_poll_reports_delivery_and_a_carrier_failure(fake_server, recorder):
    channel = SmsChannel(street_settings(), fake_server.channel_environ())
    sent = await channel.send(message())
    receipt = await channel.poll(message(), sent.provider_id)
    assert receipt is not None and receipt.outcome == DELIVERED and receipt.at is not None
    recorder.answer("13900139000", "FAILED")
    other = message(key="k-2", address="13900139000")
    failed = await channel.poll(other, (await channel.send(other)).provider_id)
    assert failed is not None and failed.outcome == FAILED and failed.detail == "MOBILE_NOT_ON_SERVICE"
    recorder.answer("13700137000", "PENDING")
    waiting = message(key="k-3", address="13700137000")
    assert await channel.poll(waiting, (await channel.send(waiting)).provider_id) is None


async def test_a_wrong_secret_fails_naming_the_signature_and_the_fake_saw_it_unverified(fake_server, recorder):
    channel = SmsChannel(street_settings(), fake_server.channel_environ(JIEDAO_TEST_ALIYUN_SECRET="not-the-secret"))
    result = await channel.send(message())
    assert result.outcome == FAILED and result.detail.startswith("SignatureDoesNotMatch")
    [delivery] = recorder.for_street(STREET)
    assert delivery.verified is False and "SignatureDoesNotMatch" in delivery.detail
    assert sends_by_out_id(recorder) == {}


async def test_an_unknown_access_key_fails_naming_it(fake_server, recorder):
    channel = SmsChannel(street_settings(), fake_server.channel_environ(JIEDAO_TEST_ALIYUN_KEY_ID="LTAI-someone-else"))
    result = await channel.send(message())
    assert result.outcome == FAILED and result.detail.startswith("InvalidAccessKeyId.NotFound")


async def test_a_missing_key_variable_fails_naming_the_variable(fake_server, recorder):
    environ = fake_server.channel_environ()
    del environ["JIEDAO_TEST_ALIYUN_SECRET"]
    result = await SmsChannel(street_settings(), environ).send(message())
    assert result.outcome == FAILED and "JIEDAO_TEST_ALIYUN_SECRET" in result.detail
    assert recorder.for_street(STREET) == []


async def test_refusals_of_the_number_and_template_are_final(fake_server, recorder):
    channel = SmsChannel(street_settings(), fake_server.channel_environ())
    bad_number = await channel.send(message(address="12345"))
    assert bad_number.outcome == FAILED and bad_number.detail.startswith("isv.MOBILE_NUMBER_ILLEGAL")
    bad_template = await channel.send(message(template="TTS_1"))
    assert bad_template.outcome == FAILED and bad_template.detail.startswith("isv.SMS_TEMPLATE_ILLEGAL")


async def test_throttling_a_server_error_and_a_timeout_are_retried_later_without_double_sends(fake_server, recorder):
    channel = SmsChannel(street_settings(timeout=0.5), fake_server.channel_environ())
    for how, words in (("throttled", "isv.BUSINESS_LIMIT_CONTROL"), ("500", "InternalError"), ("timeout", "timeout")):
        recorder.fail_next("aliyun", 1, how)
        result = await channel.send(message())
        assert result.outcome == RETRY and words in result.detail, (how, result)
    assert sends_by_out_id(recorder) == {}, "the SDK did not retry on its own"
    assert (await channel.send(message())).outcome == SENT
    assert sends_by_out_id(recorder) == {"alarm-7-grid-1": 1}


async def test_a_double_send_shows_in_the_fake(fake_server, recorder):
    channel = SmsChannel(street_settings(), fake_server.channel_environ())
    await channel.send(message())
    await channel.send(message())
    assert sends_by_out_id(recorder, STREET) == {"alarm-7-grid-1": 2}


async def test_a_provider_that_cannot_be_reached_is_retried(fake_server, recorder):
    channel = SmsChannel(street_settings(endpoint="http://127.0.0.1:9"), fake_server.channel_environ())
    result = await channel.send(message())
    assert result.outcome == RETRY and result.detail


async def test_an_sms_sent_just_before_midnight_is_found_after_it(fake_server, recorder, monkeypatch):
    channel = SmsChannel(street_settings(), fake_server.channel_environ())
    monkeypatch.setattr("jiedao.core.clock.now", lambda: datetime(2026, 12, 1, 23, 59, 50, tzinfo=CHINA))
    sent = await channel.send(message())
    monkeypatch.setattr("jiedao.core.clock.now", lambda: datetime(2026, 12, 2, 0, 1, 0, tzinfo=CHINA))
    receipt = await channel.poll(message(), sent.provider_id)
    assert receipt is not None and receipt.outcome == DELIVERED
