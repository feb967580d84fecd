"""``wecom_app`` against WeCom's fake behind real HTTP: token, text card, refusals."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from jiedao.api.channels import FAILED, RETRY, SENT
from jiedao.plugins.wecom.app import WeComAppChannel
from jiedao.plugins.wecom import fake as fake_module
from jiedao.plugins.wecom.settings import WeComSettings
from jiedao.plugins.wecom.tests.conftest import SETTINGS, message


@pytest.fixture
async def channel(provider) -> AsyncIterator[WeComAppChannel]:
    channel = WeComAppChannel(SETTINGS, provider.environ)
    yield channel
    await channel.aclose()


async def test_a_text_card_reaches_the_person_with_a_button_to_acknowledge(provider, channel):
    result = await channel.send(message())

    assert result.outcome == SENT and result.provider_id
    [delivery] = provider.recorder.deliveries
    assert delivery.verified and delivery.provider_id == result.provider_id
    assert (delivery.channel, delivery.to) == ("wecom_app", "LiQiang")
    body = delivery.raw["body"]
    assert (body["msgtype"], body["agentid"]) == ("textcard", 1000002)
    card = body["textcard"]
    assert card["title"] == "【火警】凤起都市花园 3幢 2单元 501 烟感报警"
    assert "独居老人 张秀英（82岁）家中烟感报警" in card["description"]
    assert card["url"] == "https://jiedao.example/ack/def456" and card["btntxt"] == "确认"


async def test_without_a_link_the_message_is_text(provider, channel):
    assert (await channel.send(message(link=""))).outcome == SENT

    body = provider.recorder.deliveries[0].raw["body"]
    assert body["msgtype"] == "text" and body["text"]["content"].startswith("【火警】")


async def test_a_long_text_is_cut_to_wecoms_512_byte_description(provider, channel):
    assert (await channel.send(message(text="烟感报警" * 100))).outcome == SENT

    description = provider.recorder.deliveries[0].raw["body"]["textcard"]["description"]
    assert len(description.encode()) <= 512 and description.endswith("…")


async def test_wecom_apps_give_no_receipts(provider, channel):
    sent = await channel.send(message())

    assert await channel.poll(message(), sent.provider_id) is None


async def test_the_token_is_fetched_once_for_many_messages(provider, channel):
    for n in range(3):
        assert (await channel.send(message(id=n))).outcome == SENT

    assert provider.fake.tokens_issued == 1


async def test_concurrent_messages_share_one_token(provider, channel):
    results = await asyncio.gather(*(channel.send(message(id=n)) for n in range(5)))

    assert [r.outcome for r in results] == [SENT] * 5
    assert provider.fake.tokens_issued == 1


async def test_a_token_refused_right_after_renewal_is_not_renewed_again(provider, channel, monkeypatch):
    monkeypatch.setattr(fake_module, "TOKEN_LIFETIME", 0)  # every token is born expired

    result = await channel.send(message())

    assert result.outcome == FAILED and "42001" in result.detail
    assert provider.fake.tokens_issued == 2
    assert [d.verified for d in provider.recorder.deliveries] == [False, False]


async def test_an_expired_token_is_renewed_once_and_the_message_delivered(provider, channel):
    await channel.send(message(id=1))
    provider.fake.expire_tokens()

    result = await channel.send(message(id=2))

    assert result.outcome == SENT
    assert provider.fake.tokens_issued == 2
    refused, delivered = provider.recorder.deliveries[1:]
    assert not refused.verified and "42001" in refused.detail
    assert delivered.verified and delivered.provider_id == result.provider_id


@pytest.mark.parametrize(("changed", "errcode"), [({"JIEDAO_WECOM_CORP_SECRET": "guessed"}, "40001"), ({"JIEDAO_WECOM_CORP_ID": "wwsomeoneelse"}, "40013")])
async def test_wrong_credentials_fail_with_wecoms_errcode(provider, changed, errcode):
    channel = WeComAppChannel(SETTINGS, provider.channel_environ(**changed))
    try:
        result = await channel.send(message())
    finally:
        await channel.aclose()

    assert result.outcome == FAILED and "gettoken" in result.detail and errcode in result.detail
    [refused] = provider.recorder.deliveries
    assert not refused.verified and errcode in refused.detail


async def test_a_user_wecom_does_not_know_fails_with_81013(provider, channel):
    provider.recorder.answer("LeftTheJob", FAILED)

    result = await channel.send(message(address="LeftTheJob"))

    assert result.outcome == FAILED and "81013" in result.detail
    [refused] = provider.recorder.deliveries
    assert refused.verified and "81013" in refused.detail and not refused.provider_id


async def test_another_apps_agent_id_is_refused(provider):
    channel = WeComAppChannel(WeComSettings(**{**SETTINGS.model_dump(), "agent_id": 1000003}), provider.environ)
    try:
        result = await channel.send(message())
    finally:
        await channel.aclose()

    assert result.outcome == FAILED and "40056" in result.detail


@pytest.mark.parametrize(("how", "said"), [("500", "HTTP 500"), ("timeout", "did not answer in time"), ("throttled", "45009")])
async def test_provider_trouble_is_retried_later(provider, channel, how, said):
    await channel.send(message(id=1))  # a token in hand: the trouble hits the message itself
    provider.recorder.fail_next("wecom", 1, how)

    result = await channel.send(message(id=2))

    assert result.outcome == RETRY and said in result.detail
    assert len(provider.recorder.deliveries) == 1
    assert (await channel.send(message(id=2))).outcome == SENT


async def test_without_an_agent_id_or_a_user_id_nothing_is_sent(provider):
    channel = WeComAppChannel(WeComSettings(endpoint="fake"), provider.environ)
    try:
        no_agent = await channel.send(message())
    finally:
        await channel.aclose()
    channel = WeComAppChannel(SETTINGS, provider.environ)
    try:
        no_user = await channel.send(message(address=""))
    finally:
        await channel.aclose()

    assert no_agent.outcome == FAILED and "[streets.changqing.wecom]" in no_agent.detail
    assert no_user.outcome == FAILED and "WeCom user id" in no_user.detail
    assert provider.recorder.deliveries == []
