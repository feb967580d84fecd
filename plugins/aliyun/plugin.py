"""The aliyun plugin's declaration and hook implementations."""

from __future__ import annotations

from jiedao.api import PluginInfo, hookimpl
from jiedao.plugins.aliyun.settings import AliyunSettings

PLUGIN = PluginInfo(
    name="aliyun",
    version="0.1.0",
    title="Aliyun: SMS and voice calls through Alibaba Cloud",
    description="短信 and 语音通知 (TTS calls) through Alibaba Cloud's official SDKs, with delivery and answer "
    "receipts, and a local fake provider that checks the real V3 request signature.",
    settings=AliyunSettings,
)


@hookimpl
def jiedao_notify(register):
    """The ``sms`` and ``voice`` channels and the fake Alibaba Cloud for the demo and the tests."""
    from jiedao.plugins.aliyun.fake.app import fake_aliyun
    from jiedao.plugins.aliyun.sms import SmsChannel
    from jiedao.plugins.aliyun.voice import VoiceChannel

    register.channel(SmsChannel)
    register.channel(VoiceChannel)
    register.fake_provider("aliyun", fake_aliyun)
