"""``dingtalk_robot`` against DingTalk's fake behind real HTTP: signed, refused, retried."""

from __future__ import annotations

import pytest

from jiedao.api.channels import FAILED, RETRY, SENT
from jiedao.plugins.dingtalk import signing
from jiedao.plugins.dingtalk.robot import DingTalkRobotChannel
from jiedao.plugins.dingtalk.tests.conftest import SETTINGS, message


async def send(provider, environ=None, **changed):
    channel = DingTalkRobotChannel(SETTINGS, environ or provider.environ)
    try:
        return await channel.send(message(channel="dingtalk_robot", address="", **changed))
    finally:
        await channel.aclose()


async def test_a_signed_message_reaches_the_group_with_its_text_and_link(provider):
    result = await send(provider)

    assert result.outcome == SENT
    [delivery] = provider.recorder.deliveries
    assert delivery.verified and delivery.detail == "signature verified"
    assert (delivery.channel, delivery.to, delivery.street) == ("dingtalk_robot", "group", "changqing")
    assert "【火警】凤起都市花园 3幢 2单元 501 烟感报警" in delivery.text
    assert "独居老人 张秀英（82岁）家中烟感报警" in delivery.text
    assert "(https://jiedao.example/ack/abc123)" in delivery.text
    assert delivery.raw["body"]["markdown"]["title"] == "【火警】凤起都市花园 3幢 2单元 501 烟感报警"


async def test_a_wrong_robot_secret_is_refused_and_fails_with_dingtalks_errcode(provider):
    result = await send(provider, provider.channel_environ(JIEDAO_DINGTALK_ROBOT_SECRET="SECnot-the-secret"))

    assert result.outcome == FAILED
    assert "310000" in result.detail and "sign not match" in result.detail
    [delivery] = provider.recorder.deliveries
    assert not delivery.verified and "sign not match" in delivery.detail


async def test_a_wrong_robot_token_is_refused(provider):
    result = await send(provider, provider.channel_environ(JIEDAO_DINGTALK_ROBOT_TOKEN="another-robot"))

    assert result.outcome == FAILED and "300001" in result.detail
    assert [d.verified for d in provider.recorder.deliveries] == [False]


async def test_a_timestamp_more_than_an_hour_old_is_refused(provider, monkeypatch):
    two_hours_ago = signing.now_ms() - 2 * 60 * 60 * 1000
    monkeypatch.setattr(signing, "now_ms", lambda: two_hours_ago)

    result = await send(provider)

    assert result.outcome == FAILED and "310000" in result.detail and "timestamp" in result.detail
    assert not provider.recorder.deliveries[0].verified


@pytest.mark.parametrize(("how", "said"), [("500", "HTTP 500"), ("timeout", "did not answer in time"), ("throttled", "130101")])
async def test_provider_trouble_is_retried_later(provider, how, said):
    provider.recorder.fail_next("dingtalk", 1, how)

    result = await send(provider)

    assert result.outcome == RETRY and said in result.detail
    assert provider.recorder.deliveries == []
    assert (await send(provider)).outcome == SENT


async def test_a_missing_secret_fails_naming_the_environment_variable(provider):
    environ = {k: v for k, v in provider.environ.items() if k != "JIEDAO_DINGTALK_ROBOT_SECRET"}

    result = await send(provider, environ)

    assert result.outcome == FAILED and "JIEDAO_DINGTALK_ROBOT_SECRET" in result.detail
    assert provider.recorder.deliveries == []
