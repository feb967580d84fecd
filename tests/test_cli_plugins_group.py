"""``jiedao plugins`` is the one group for plugins; ``jiedao plugin`` is a hidden, deprecated alias."""

from __future__ import annotations


def test_plugins_holds_list_remove_new_and_docs(jiedao_cli):
    result = jiedao_cli(["plugins", "--help"])
    assert result.exit_code == 0
    for command in ("list", "remove", "new", "docs"):
        assert f"  {command} " in result.output
    top = jiedao_cli(["--help"]).output
    assert "  plugins " in top and "  plugin " not in top


def test_the_old_plugin_group_still_works_and_says_it_is_deprecated(jiedao_cli, tmp_path):
    result = jiedao_cli(["plugin", "new", "wishes", "--dir", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "'jiedao plugin' is deprecated: use 'jiedao plugins'" in result.output
    assert (tmp_path / "jiedao-wishes").is_dir() or any(tmp_path.glob("*wishes*"))
    assert "deprecated" not in jiedao_cli(["plugins", "new", "notes", "--dir", str(tmp_path)]).output
