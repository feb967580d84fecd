"""The demo's notification set-up: fake providers on, links to the served address, and demo
credentials under the channel plugins' default variable names (the fakes check them exactly as
the providers check real ones; a deployment sets its own). Given to the kernel's notification
runtime only: the process environment is left as it is."""

from __future__ import annotations

import os
from collections.abc import Mapping

DEMO_CREDENTIALS = {
    "JIEDAO_DINGTALK_APP_KEY": "demo-ding-app-key",
    "JIEDAO_DINGTALK_APP_SECRET": "demo-ding-app-secret",
    "JIEDAO_DINGTALK_ROBOT_TOKEN": "demo-robot-token",
    "JIEDAO_DINGTALK_ROBOT_SECRET": "SECdemo0robot0secret",
    "JIEDAO_WECOM_CORP_ID": "wwdemo000corp",
    "JIEDAO_WECOM_CORP_SECRET": "demo-wecom-secret",
    "JIEDAO_WECOM_ROBOT_KEY": "demo-wecom-robot-key",
    "ALIBABA_CLOUD_ACCESS_KEY_ID": "LTAIdemo000key",
    "ALIBABA_CLOUD_ACCESS_KEY_SECRET": "demo-aliyun-secret",
}


def demo_environment(host: str, port: int, environ: Mapping[str, str] | None = None) -> dict[str, str]:
    """``environ`` (the process's by default) with fake providers on, links pointing at
    ``http://host:port`` and demo credentials, wherever it sets none of its own."""
    base = dict(os.environ if environ is None else environ)
    defaults = {"JIEDAO_FAKE_PROVIDERS": "1", "JIEDAO_PUBLIC_URL": f"http://{host}:{port}", **DEMO_CREDENTIALS}
    return {**defaults, **base}
