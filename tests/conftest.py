"""Fixtures of the kernel's own tests (the shared ones come from core.testing.fixtures)."""

from __future__ import annotations

from pathlib import Path

import pytest

from jiedao.core.testing.distributions import install_distribution


@pytest.fixture(scope="session")
def hello_plugin_path(tmp_path_factory) -> Path:
    """The hello test plugin installed as a real distribution into a separate folder."""
    source = Path(__file__).resolve().parent / "plugins" / "hello"
    return install_distribution(source, tmp_path_factory.mktemp("hello-plugin"))




@pytest.fixture
def install_plugin(tmp_path):
    """``install_plugin(name, source)`` installs a one-module plugin distribution whose
    module ``jiedao_<name>`` has ``source`` as its code; returns the folder to load it from."""
    import textwrap

    def install(name: str, source: str) -> Path:
        project = tmp_path / f"src-{name}"
        package = project / f"jiedao_{name}"
        package.mkdir(parents=True)
        (package / "__init__.py").write_text(textwrap.dedent(source), encoding="utf-8")
        (project / "pyproject.toml").write_text(
            textwrap.dedent(
                f"""
                [build-system]
                requires = ["setuptools>=61"]
                build-backend = "setuptools.build_meta"
                [project]
                name = "jiedao-{name}"
                version = "0.0.1"
                [project.entry-points."jiedao.plugins"]
                {name} = "jiedao_{name}"
                """
            ),
            encoding="utf-8",
        )
        return install_distribution(project, tmp_path / f"site-{name}")

    return install
