"""The command line as an operator meets it: a version, and refusals that list the valid choices."""

from __future__ import annotations

from importlib.metadata import version


def test_version_prints_the_installed_release(jiedao_cli):
    result = jiedao_cli(["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"jiedao {version('jiedao')}"


def test_schema_export_for_an_unknown_street_lists_the_streets(jiedao_cli):
    streets = {"changqing": {"name": "长庆街道", "plugins": []}, "gongchen": {"name": "拱宸桥街道", "plugins": []}}
    result = jiedao_cli(["schema", "export", "--street", "nowhere"], streets=streets)
    assert result.exit_code == 2
    assert "no street 'nowhere'; streets: changqing, gongchen" in result.output
