"""The plugin is discovered, contributes its channels and fake, and checks its settings."""

from __future__ import annotations

from jiedao.core.config import parse_config, validate_against
from jiedao.core.kernel import Kernel
from jiedao.core.plugins import discover
from jiedao.plugins.wecom.app import WeComAppChannel
from jiedao.plugins.wecom.fake import fake_wecom
from jiedao.plugins.wecom.robot import WeComRobotChannel
from jiedao.plugins.wecom.settings import WeComSettings


def problems_of(settings: dict) -> list[str]:
    streets = {"changqing": {"name": "长庆街道", "plugins": ["wecom"], "wecom": settings}}
    return validate_against(parse_config({"streets": streets}), discover().plugins)


async def test_a_street_enabling_wecom_gets_both_channels_and_the_fake(tmp_path):
    streets = {"changqing": {"name": "长庆街道", "plugins": ["wecom"], "wecom": {"endpoint": "fake", "agent_id": 2468}}}
    config = parse_config({"streets": streets}, database_url=f"sqlite+aiosqlite:///{tmp_path / 'k.db'}")

    kernel = await Kernel.load(config)

    channels = kernel.contributions.channels
    assert channels["wecom_robot"] == ("wecom", WeComRobotChannel)
    assert channels["wecom_app"] == ("wecom", WeComAppChannel)
    assert ("wecom", "wecom", fake_wecom) in kernel.contributions.fake_providers
    assert kernel.settings("changqing", "wecom") == WeComSettings(endpoint="fake", agent_id=2468)
    await kernel.db.dispose()


def test_the_defaults_point_at_wecom_and_are_valid():
    assert problems_of({}) == []
    assert WeComSettings().endpoint == "https://qyapi.weixin.qq.com"


def test_unknown_keys_are_refused_naming_them():
    [problem] = problems_of({"robot_key": "693a91f6"})

    assert "setting 'robot_key': unknown setting" in problem and "[streets.changqing.wecom]" in problem


def test_a_bad_endpoint_is_refused_naming_the_field():
    for bad in ("qyapi.weixin.qq.com", "ftp://qyapi.weixin.qq.com", "https://qyapi.weixin.qq.com/?x=1", "fake-ish"):
        [problem] = problems_of({"endpoint": bad})
        assert "setting 'endpoint'" in problem and "http(s) URL" in problem and repr(bad) in problem


def test_secret_settings_take_environment_variable_names_not_secrets():
    [problem] = problems_of({"robot_key_env": "693a91f6-7xxx-not-a-name"})

    assert "setting 'robot_key_env'" in problem
