"""The installed distribution puts exactly one import name, ``jiedao``, into site-packages."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_wheel_holds_only_the_jiedao_package(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
    )
    [wheel] = tmp_path.glob("jiedao-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        entry_points = archive.read(next(n for n in names if n.endswith(".dist-info/entry_points.txt"))).decode()
    tops = {name.split("/", 1)[0] for name in names}
    assert {top for top in tops if not top.endswith(".dist-info")} == {"jiedao"}
    for package in ("core", "schema", "plugins", "migrations"):
        assert f"jiedao/{package}/__init__.py" in names, f"jiedao.{package} is in the wheel"
    for shipped in (
        "jiedao/api/__init__.py",
            "jiedao/api/work.py",
        "jiedao/migrations/versions/0001_core.py",
        "jiedao/plugins/sensors/migrations/sensors_0001_initial.py",
        "jiedao/plugins/sensors/deploy/mosquitto.conf",
        "jiedao/schema/schema.graphql",
        "jiedao/core/scaffold/template/package/plugin.py.tmpl",
    ):
        assert shipped in names, f"{shipped} is missing from the wheel"
    assert "jiedao = jiedao.core.cli:main" in entry_points
    assert "sensors = jiedao.plugins.sensors.plugin" in entry_points
