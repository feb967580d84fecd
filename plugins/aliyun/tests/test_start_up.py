"""A process that loads the aliyun plugin (every API process, CLI command and worker of a
street that enables it) does not import Alibaba Cloud's SDK until a channel sends: the SDK is
about a sixth of a process's start-up."""

from __future__ import annotations

import subprocess
import sys

LOAD = """
import asyncio, sys
from jiedao.core.config import parse_config
from jiedao.core.kernel import Kernel
config = parse_config({"streets": {"changqing": {"name": "长庆街道", "plugins": ["aliyun"]}}}, database_url="sqlite+aiosqlite:///:memory:")
kernel = asyncio.run(Kernel.load(config))
assert "aliyun" in kernel.enabled_plugins("changqing")
print(sorted(name for name in sys.modules if name.startswith(("alibabacloud", "darabonba"))))
"""


def test_loading_the_plugin_imports_no_sdk():
    result = subprocess.run([sys.executable, "-c", LOAD], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "[]"
