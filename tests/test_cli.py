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
