"""The WeCom plugin's declaration and its ``jiedao_notify`` hook."""

from __future__ import annotations

from jiedao.api import PluginInfo, hookimpl
from jiedao.plugins.wecom.settings import WeComSettings

PLUGIN = PluginInfo(
    name="wecom",
    version="0.1.0",
    title="WeCom: group robot messages and application messages (企业微信)",
    description="Notification channels wecom_robot (a street's group chat, webhook key) and wecom_app "
    "(an application message to one person), and WeCom's local fake provider.",
    settings=WeComSettings,
)


@hookimpl
def jiedao_notify(register):
    """The channels ``wecom_robot`` and ``wecom_app`` and the fake provider ``wecom``."""
    from jiedao.plugins.wecom.app import WeComAppChannel
    from jiedao.plugins.wecom.fake import fake_wecom
    from jiedao.plugins.wecom.robot import WeComRobotChannel

    register.channel(WeComRobotChannel)
    register.channel(WeComAppChannel)
    register.fake_provider("wecom", fake_wecom)
