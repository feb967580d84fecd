"""The voice channel against the fake Alibaba Cloud: calls placed, answered or not."""

from __future__ import annotations

import json
from datetime import datetime

from jiedao.api.channels import ANSWERED, FAILED, NO_ANSWER, RETRY, SENT
from jiedao.api.domain import CHINA
from jiedao.plugins.aliyun.voice import VoiceChannel, call_outcome

from .conftest import STREET, message, street_settings


async def test_a_call_is_placed_signed_with_its_tts_template(fake_server, recorder):
    channel = VoiceChannel(street_settings(), fake_server.channel_environ())
    result = await channel.send(message(channel="voice"))
    assert result.outcome == SENT, result.detail
    [call] = recorder.for_street(STREET)
    assert call.verified and call.channel == "voice" and call.to == "13800138000" and call.provider_id == result.provider_id
    assert call.raw["TtsCode"] == "TTS_200001" and call.raw["CalledShowNumber"] == "057188880000"
    assert call.raw["OutId"] == "alarm-7-grid-1" and call.raw["PlayTimes"] == "2"
    assert json.loads(call.raw["TtsParam"])["what"] == "烟感报警"


async def test_poll_tells_an_answered_call_from_an_unanswered_one(fake_server, recorder):
    channel = VoiceChannel(street_settings(), fake_server.channel_environ())
    picked_up = message(channel="voice")
    answered = await channel.poll(picked_up, (await channel.send(picked_up)).provider_id)
    assert answered is not None and answered.outcome == ANSWERED and "200000" in answered.detail
    recorder.answer("13900139000", NO_ANSWER)
    ignored = message(key="k-2", channel="voice", address="13900139000")
    unanswered = await channel.poll(ignored, (await channel.send(ignored)).provider_id)
    assert unanswered is not None and unanswered.outcome == NO_ANSWER and "200003" in unanswered.detail


async def test_poll_of_an_unknown_call_knows_nothing_yet(fake_server, recorder):
    channel = VoiceChannel(street_settings(), fake_server.channel_environ())
    assert await channel.poll(message(channel="voice"), "116012354148^10281378") is None


async def test_a_wrong_secret_fails_the_call(fake_server, recorder):
    channel = VoiceChannel(street_settings(), fake_server.channel_environ(JIEDAO_TEST_ALIYUN_SECRET="wrong"))
    result = await channel.send(message(channel="voice"))
    assert result.outcome == FAILED and "SignatureDoesNotMatch" in result.detail
    assert [d.verified for d in recorder.for_street(STREET)] == [False]


async def test_a_failing_or_silent_provider_is_retried(fake_server, recorder):
    channel = VoiceChannel(street_settings(timeout=0.5), fake_server.channel_environ())
    for how in ("500", "timeout", "throttled"):
        recorder.fail_next("aliyun", 1, how)
        assert (await channel.send(message(channel="voice"))).outcome == RETRY, how
    assert [d for d in recorder.for_street(STREET) if d.provider_id] == []


def test_carrier_states_map_to_outcomes():
    assert call_outcome({"state": "200001", "stateDesc": "用户提前挂机", "duration": 3}).outcome == ANSWERED
    assert call_outcome({"state": "200002", "stateDesc": "用户占线", "duration": 0}).outcome == NO_ANSWER
    assert call_outcome({"state": "200005", "duration": 0}).outcome == NO_ANSWER
    assert call_outcome({"state": "200004", "duration": 0}).outcome == FAILED
    assert call_outcome({"state": ""}) is None


async def test_a_call_placed_just_before_midnight_is_found_after_it(fake_server, recorder, monkeypatch):
    channel = VoiceChannel(street_settings(), fake_server.channel_environ())
    monkeypatch.setattr("jiedao.core.clock.now", lambda: datetime(2026, 12, 1, 23, 59, 50, tzinfo=CHINA))
    sent = await channel.send(message(channel="voice"))
    monkeypatch.setattr("jiedao.core.clock.now", lambda: datetime(2026, 12, 2, 0, 1, 0, tzinfo=CHINA))
    receipt = await channel.poll(message(channel="voice"), sent.provider_id)
    assert receipt is not None and receipt.outcome == ANSWERED
