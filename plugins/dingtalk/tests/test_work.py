"""``dingtalk_work`` against DingTalk's fake behind real HTTP: token, notice, receipts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from jiedao.api.channels import DELIVERED, FAILED, READ, RETRY, SENT, Receipt
from jiedao.plugins.dingtalk import fake as fake_module
from jiedao.plugins.dingtalk.settings import DingTalkSettings
from jiedao.plugins.dingtalk.tests.conftest import SETTINGS, message
from jiedao.plugins.dingtalk.work import DingTalkWorkChannel


@pytest.fixture
async def channel(provider) -> AsyncIterator[DingTalkWorkChannel]:
    channel = DingTalkWorkChannel(SETTINGS, provider.environ)
    yield channel
    await channel.aclose()


async def test_a_work_notice_reaches_the_person_with_a_button_to_acknowledge(provider, channel):
    result = await channel.send(message())

    assert result.outcome == SENT and result.provider_id
    [delivery] = provider.recorder.deliveries
    assert delivery.verified and delivery.provider_id == result.provider_id
    assert (delivery.channel, delivery.to) == ("dingtalk_work", "wangfang01")
    assert "独居老人 张秀英（82岁）家中烟感报警" in delivery.text
    card = delivery.raw["body"]["msg"]["action_card"]
    assert card["title"] == "【火警】凤起都市花园 3幢 2单元 501 烟感报警"
    assert card["single_url"] == "https://jiedao.example/ack/abc123"
    assert "https://jiedao.example/ack/abc123" not in delivery.text  # the button opens it
    assert delivery.raw["body"]["agent_id"] == 2468


async def test_without_a_link_the_notice_is_markdown(provider, channel):
    assert (await channel.send(message(link=""))).outcome == SENT

    msg = provider.recorder.deliveries[0].raw["body"]["msg"]
    assert msg["msgtype"] == "markdown" and "烟感报警" in msg["markdown"]["text"]


async def test_the_receipt_says_delivered_then_read_once_the_person_read_it(provider, channel):
    sent = await channel.send(message())

    assert await channel.poll(message(), sent.provider_id) == Receipt(DELIVERED)
    provider.recorder.answer("wangfang01", READ)
    assert (await channel.poll(message(), sent.provider_id)).outcome == READ


async def test_a_person_dingtalk_does_not_know_is_a_failed_receipt(provider, channel):
    provider.recorder.answer("left-the-job", FAILED)
    sent = await channel.send(message(address="left-the-job"))

    receipt = await channel.poll(message(address="left-the-job"), sent.provider_id)

    assert receipt.outcome == FAILED and "invalid_user_id_list" in receipt.detail


async def test_the_token_is_fetched_once_for_many_notices(provider, channel):
    for n in range(3):
        assert (await channel.send(message(id=n))).outcome == SENT

    assert provider.fake.tokens_issued == 1


async def test_concurrent_notices_share_one_token(provider, channel):
    results = await asyncio.gather(*(channel.send(message(id=n)) for n in range(5)))

    assert [r.outcome for r in results] == [SENT] * 5
    assert provider.fake.tokens_issued == 1


async def test_a_token_refused_right_after_renewal_is_not_renewed_again(provider, channel, monkeypatch):
    monkeypatch.setattr(fake_module, "TOKEN_LIFETIME", 0)  # every token is born expired

    result = await channel.send(message())

    assert result.outcome == FAILED and "42001" in result.detail
    assert provider.fake.tokens_issued == 2
    assert [d.verified for d in provider.recorder.deliveries] == [False, False]


async def test_an_expired_token_is_renewed_once_and_the_notice_delivered(provider, channel):
    await channel.send(message(id=1))
    provider.fake.expire_tokens()

    result = await channel.send(message(id=2))

    assert result.outcome == SENT
    assert provider.fake.tokens_issued == 2
    refused, delivered = provider.recorder.deliveries[1:]
    assert not refused.verified and "42001" in refused.detail
    assert delivered.verified and delivered.provider_id == result.provider_id


async def test_a_wrong_app_secret_fails_with_dingtalks_errcode(provider):
    channel = DingTalkWorkChannel(SETTINGS, provider.channel_environ(JIEDAO_DINGTALK_APP_SECRET="guessed"))
    try:
        result = await channel.send(message())
    finally:
        await channel.aclose()

    assert result.outcome == FAILED and "gettoken" in result.detail and "40089" in result.detail
    [refused] = provider.recorder.deliveries
    assert not refused.verified and "40089" in refused.detail


async def test_another_apps_agent_id_is_refused(provider):
    channel = DingTalkWorkChannel(DingTalkSettings(**{**SETTINGS.model_dump(), "agent_id": 1357}), provider.environ)
    try:
        result = await channel.send(message())
    finally:
        await channel.aclose()

    assert result.outcome == FAILED and "40035" in result.detail and "agent_id" in result.detail
    assert [d.verified for d in provider.recorder.deliveries] == [False]


@pytest.mark.parametrize(("how", "said"), [("500", "HTTP 500"), ("timeout", "did not answer in time"), ("throttled", "90018")])
async def test_provider_trouble_is_retried_later(provider, channel, how, said):
    await channel.send(message(id=1))  # a token in hand: the trouble hits the notice itself
    provider.recorder.fail_next("dingtalk", 1, how)

    result = await channel.send(message(id=2))

    assert result.outcome == RETRY and said in result.detail
    assert len(provider.recorder.deliveries) == 1
    assert (await channel.send(message(id=2))).outcome == SENT


async def test_without_an_agent_id_or_a_user_id_nothing_is_sent(provider):
    channel = DingTalkWorkChannel(DingTalkSettings(endpoint="fake"), provider.environ)
    try:
        no_agent = await channel.send(message())
    finally:
        await channel.aclose()
    channel = DingTalkWorkChannel(SETTINGS, provider.environ)
    try:
        no_user = await channel.send(message(address=""))
    finally:
        await channel.aclose()

    assert no_agent.outcome == FAILED and "agent_id" in no_agent.detail and "[streets.changqing.dingtalk]" in no_agent.detail
    assert no_user.outcome == FAILED and "DingTalk user id" in no_user.detail
    assert provider.recorder.deliveries == []
