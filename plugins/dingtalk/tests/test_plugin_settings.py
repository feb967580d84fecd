"""The plugin is discovered, contributes its channels and fake, and checks its settings."""

from __future__ import annotations

from jiedao.core.config import parse_config, validate_against
from jiedao.core.kernel import Kernel
from jiedao.core.plugins import discover
from jiedao.plugins.dingtalk.fake import fake_dingtalk
from jiedao.plugins.dingtalk.robot import DingTalkRobotChannel
from jiedao.plugins.dingtalk.settings import DingTalkSettings
from jiedao.plugins.dingtalk.work import DingTalkWorkChannel


def problems_of(settings: dict) -> list[str]:
    streets = {"changqing": {"name": "长庆街道", "plugins": ["dingtalk"], "dingtalk": settings}}
    return validate_against(parse_config({"streets": streets}), discover().plugins)


async def test_a_street_enabling_dingtalk_gets_both_channels_and_the_fake(tmp_path):
    streets = {"changqing": {"name": "长庆街道", "plugins": ["dingtalk"], "dingtalk": {"endpoint": "fake", "agent_id": 2468}}}
    config = parse_config({"streets": streets}, database_url=f"sqlite+aiosqlite:///{tmp_path / 'k.db'}")

    kernel = await Kernel.load(config)

    channels = kernel.contributions.channels
    assert channels["dingtalk_robot"] == ("dingtalk", DingTalkRobotChannel)
    assert channels["dingtalk_work"] == ("dingtalk", DingTalkWorkChannel)
    assert ("dingtalk", "dingtalk", fake_dingtalk) in kernel.contributions.fake_providers
    assert kernel.settings("changqing", "dingtalk") == DingTalkSettings(endpoint="fake", agent_id=2468)
    await kernel.db.dispose()


def test_the_defaults_point_at_dingtalk_and_are_valid():
    assert problems_of({}) == []
    assert DingTalkSettings().endpoint == "https://oapi.dingtalk.com"


def test_unknown_keys_are_refused_naming_them():
    [problem] = problems_of({"robot_secret": "SECabc"})

    assert "setting 'robot_secret': unknown setting" in problem and "[streets.changqing.dingtalk]" in problem


def test_a_bad_endpoint_is_refused_naming_the_field():
    for bad in ("oapi.dingtalk.com", "ftp://oapi.dingtalk.com", "https://oapi.dingtalk.com/?x=1", "fake-ish"):
        [problem] = problems_of({"endpoint": bad})
        assert "setting 'endpoint'" in problem and "http(s) URL" in problem and repr(bad) in problem


def test_secret_settings_take_environment_variable_names_not_secrets():
    [problem] = problems_of({"robot_secret_env": "SEC0a1b2c3-not-a-name"})

    assert "setting 'robot_secret_env'" in problem
