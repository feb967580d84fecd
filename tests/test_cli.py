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


def test_serve_on_a_taken_port_says_which_and_how_to_change_it(jiedao_cli):
    import socket

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = jiedao_cli(["serve", "--port", str(port)])
    assert result.exit_code == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.output and "--port" in result.output
    assert "Traceback" not in result.output


def test_serve_with_the_embedded_broker_on_a_taken_port_stops_before_serving(jiedao_cli, monkeypatch):
    import socket

    monkeypatch.delenv("JIEDAO_MQTT_URL", raising=False)
    monkeypatch.delenv("JIEDAO_MQTT_EMBEDDED", raising=False)
    streets = {"changqing": {"name": "长庆街道", "plugins": ["sensors"]}}
    with socket.socket() as holder, socket.socket() as free:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        free.bind(("127.0.0.1", 0))
        taken, http = holder.getsockname()[1], free.getsockname()[1]
        free.close()
        for args in (["serve", "--embedded-broker", "--mqtt-port", str(taken)], ["serve", "--mqtt-port", str(taken), "--embedded-broker"]):
            result = jiedao_cli([*args, "--port", str(http)], streets=streets)
            assert result.exit_code == 2, (args, result.output)
            assert f"cannot listen on 127.0.0.1:{taken}" in result.output and "--mqtt-port" in result.output and "JIEDAO_MQTT_URL" in result.output


def _jiedao(tmp_path, *args: str) -> str:
    """Run the installed `jiedao` command in its own process; returns what it logged."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    config = tmp_path / "plugins.toml"
    config.write_text('[streets.changqing]\nname = "长庆街道"\nplugins = ["sensors"]\n', encoding="utf-8")
    env = {**os.environ, "JIEDAO_CONFIG": str(config), "JIEDAO_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'logs.db'}"}
    env.pop("JIEDAO_LOG_FORMAT", None)
    done = subprocess.run([str(Path(sys.executable).parent / "jiedao"), *args], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stderr


def test_the_default_log_shows_what_an_operator_acts_on_one_line_per_record(tmp_path):
    import re

    logged = _jiedao(tmp_path, "db", "upgrade")
    lines = logged.splitlines()
    assert any("Running upgrade  -> 0001_core" in line for line in lines)
    assert not [line for line in lines if "setup plugin" in line or "Context impl" in line or "Will assume" in line]
    assert all(re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR|CRITICAL) ", line) for line in lines), lines[:5]


def test_json_logs_are_one_object_per_record(tmp_path):
    import json

    logged = _jiedao(tmp_path, "--log-format", "json", "db", "upgrade")
    records = [json.loads(line) for line in logged.splitlines()]
    assert records and all(set(record) >= {"time", "level", "logger", "message"} for record in records)
    assert any(record["message"].startswith("Running upgrade") for record in records)


def test_outgoing_request_lines_never_show_the_providers_secrets(caplog):
    """httpx logs every request to SMS/DingTalk/WeCom with keys and signatures in the query."""
    import logging

    from jiedao.core import log_redaction
    from jiedao.core.logs import configure_logging

    root = logging.getLogger()
    try:
        configure_logging()
        assert not logging.getLogger("httpx").isEnabledFor(logging.INFO)  # not an operator's business
        configure_logging(verbose=True)
        log_redaction.install()
        with caplog.at_level(logging.INFO, logger="httpx"):
            import httpx  # it passes the URL as an object, not a string

            logging.getLogger("httpx").info('HTTP Request: %s %s "%s"', "GET", httpx.URL("http://p/gettoken?appkey=demo-key&appsecret=s3cret"), "HTTP/1.1 200 OK")
        assert "s3cret" not in caplog.text and "demo-key" not in caplog.text and "appsecret=***" in caplog.text
    finally:
        for handler in [h for h in root.handlers if getattr(h, "jiedao", False)]:
            root.removeHandler(handler)
        for name in ("httpx", "httpcore", "alembic.runtime.plugins", "transitions", "amqtt"):
            logging.getLogger(name).setLevel(logging.NOTSET)
