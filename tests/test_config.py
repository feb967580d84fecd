"""Start-up refuses a configuration it cannot run, naming the street, the plugin and the fix."""

from __future__ import annotations

import pytest

from jiedao.core.config import load_config, parse_config, validate_against
from jiedao.core.errors import ConfigurationError
from jiedao.core.kernel import Kernel
from jiedao.core.plugins import discover


def problems_of(streets: dict, extra_paths=()) -> list[str]:
    installed = discover(extra_paths).plugins
    return validate_against(parse_config({"streets": streets}), installed)


def test_plugin_not_installed_names_street_plugin_and_fix():
    [problem] = problems_of({"changqing": {"name": "长庆街道", "plugins": ["teleport"]}})
    assert "street 'changqing'" in problem and "'teleport'" in problem and "install it or remove it" in problem


def test_wrong_setting_type_and_unknown_setting(hello_plugin_path):
    found = problems_of(
        {"changqing": {"name": "长庆街道", "plugins": ["hello"], "hello": {"max_length": "long", "colour": "red"}}},
        [hello_plugin_path],
    )
    assert any("setting 'max_length'" in p and "integer" in p for p in found)
    assert any("setting 'colour'" in p and "unknown setting" in p for p in found)


def test_settings_for_a_plugin_the_street_does_not_enable(hello_plugin_path):
    [problem] = problems_of({"gongchen": {"name": "拱宸桥街道", "plugins": [], "hello": {"greeting": "hi"}}}, [hello_plugin_path])
    assert "does not enable" in problem


def test_bad_toml_shapes_are_all_reported(tmp_path):
    path = tmp_path / "plugins.toml"
    path.write_text('[streets.Bad_Slug]\nname = "x"\n[streets.ok]\nplugins = "sensors"\n[other]\n', encoding="utf-8")
    with pytest.raises(ConfigurationError) as error:
        load_config(path)
    text = str(error.value)
    assert "Bad_Slug" in text and "name" in text and "plugins must be a list" in text and "[other]" in text


async def test_kernel_refuses_to_load_with_every_problem(tmp_path):
    config = parse_config({"streets": {"a": {"name": "A", "plugins": ["nope1"]}, "b": {"name": "B", "plugins": ["nope2"]}}}, database_url=f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    with pytest.raises(ConfigurationError) as error:
        await Kernel.load(config)
    assert len(error.value.problems) == 2


def test_repository_configuration_is_valid():
    config = load_config()
    assert validate_against(config, discover().plugins) == []
    assert {"changqing", "gongchen"} <= set(config.streets)
