"""``wecom_robot`` against WeCom's fake behind real HTTP: keyed, refused, retried."""

from __future__ import annotations

import pytest

from jiedao.api.channels import FAILED, RETRY, SENT
from jiedao.plugins.wecom.robot import WeComRobotChannel
from jiedao.plugins.wecom.tests.conftest import SETTINGS, message


async def send(provider, environ=None, **changed):
    channel = WeComRobotChannel(SETTINGS, environ or provider.environ)
    try:
        return await channel.send(message(channel="wecom_robot", address="", **changed))
    finally:
        await channel.aclose()


async def test_a_message_with_the_right_key_reaches_the_group_with_its_text_and_link(provider):
    result = await send(provider)

    assert result.outcome == SENT
    [delivery] = provider.recorder.deliveries
    assert delivery.verified and (delivery.provider, delivery.channel, delivery.to) == ("wecom", "wecom_robot", "group")
    assert delivery.text.startswith("**【火警】凤起都市花园 3幢 2单元 501 烟感报警**")
    assert "独居老人 张秀英（82岁）家中烟感报警" in delivery.text
    assert "(https://jiedao.example/ack/def456)" in delivery.text


async def test_a_wrong_key_is_refused_and_fails_with_wecoms_errcode(provider):
    result = await send(provider, provider.channel_environ(JIEDAO_WECOM_ROBOT_KEY="someone-elses-robot"))

    assert result.outcome == FAILED and "93000" in result.detail
    [delivery] = provider.recorder.deliveries
    assert not delivery.verified and "93000" in delivery.detail


@pytest.mark.parametrize(("how", "said"), [("500", "HTTP 500"), ("timeout", "did not answer in time"), ("throttled", "45009")])
async def test_provider_trouble_is_retried_later(provider, how, said):
    provider.recorder.fail_next("wecom", 1, how)

    result = await send(provider)

    assert result.outcome == RETRY and said in result.detail
    assert provider.recorder.deliveries == []
    assert (await send(provider)).outcome == SENT


async def test_a_missing_key_fails_naming_the_environment_variable(provider):
    environ = {k: v for k, v in provider.environ.items() if k != "JIEDAO_WECOM_ROBOT_KEY"}

    result = await send(provider, environ)

    assert result.outcome == FAILED and "JIEDAO_WECOM_ROBOT_KEY" in result.detail
    assert provider.recorder.deliveries == []
