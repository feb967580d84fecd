"""Installing plugin distributions into separate folders, as tests of plugins need."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path


def install_distribution(project: Path, target: Path) -> Path:
    """``pip install`` the project at ``project`` (no dependencies) into the folder ``target``.

    Load it with ``Kernel.load(..., extra_plugin_paths=[target])``; nothing is installed into
    the running environment, so other tests do not see the plugin. The project is built from
    a copy next to ``target``: setuptools writes ``build/`` and ``*.egg-info`` into the folder it
    builds, which would otherwise appear in the source tree while other tests read it.
    """
    source = target.parent / f"{target.name}-source"
    shutil.rmtree(source, ignore_errors=True)
    shutil.copytree(project, source, ignore=shutil.ignore_patterns("build", "*.egg-info", "__pycache__", ".pytest_cache"))
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--target", str(target), str(source)],
        check=True,
        capture_output=True,
    )
    return target


def run_pytest(project: Path, site: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run the test suite of ``project`` in a fresh interpreter that also sees ``site``."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))}
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
