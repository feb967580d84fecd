"""The DingTalk plugin's declaration and its ``jiedao_notify`` hook."""

from __future__ import annotations

from jiedao.api import PluginInfo, hookimpl
from jiedao.plugins.dingtalk.settings import DingTalkSettings

PLUGIN = PluginInfo(
    name="dingtalk",
    version="0.1.0",
    title="DingTalk: group robot messages and work notices (钉钉 / 浙政钉)",
    description="Notification channels dingtalk_robot (a street's group chat, signed webhook) and dingtalk_work "
    "(a corp app's work notice to one person, with read receipts), and DingTalk's local fake provider.",
    settings=DingTalkSettings,
)


@hookimpl
def jiedao_notify(register):
    """The channels ``dingtalk_robot`` and ``dingtalk_work`` and the fake provider ``dingtalk``."""
    from jiedao.plugins.dingtalk.fake import fake_dingtalk
    from jiedao.plugins.dingtalk.robot import DingTalkRobotChannel
    from jiedao.plugins.dingtalk.work import DingTalkWorkChannel

    register.channel(DingTalkRobotChannel)
    register.channel(DingTalkWorkChannel)
    register.fake_provider("dingtalk", fake_dingtalk)
