"""The embedded broker of ``jiedao serve``: its port (``--mqtt-port``) and, once devices are
provisioned, the same credentials and ACL as Mosquitto."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

import aiomqtt
import pytest

from jiedao.core.cli import main
from jiedao.core.testing.services import free_port
from jiedao.plugins.sensors.broker_access import parse_acl
from jiedao.plugins.sensors.embedded import embedded_bind, embedded_broker
from jiedao.plugins.sensors.ingest import Ingester, IngestOptions, parse_url
from jiedao.plugins.sensors.provision import issue, mosquitto_hash, verify

from .conftest import device_row, published_and_stored, running, until

STREETS = {"changqing": {"name": "长庆街道", "plugins": ["sensors"]}}



@pytest.fixture(autouse=True)
def default_bind(monkeypatch):
    monkeypatch.delenv("JIEDAO_MQTT_EMBEDDED_BIND", raising=False)


def test_verify_accepts_the_password_of_a_mosquitto_hash_only():
    hashed = mosquitto_hash("s3cret")
    assert verify("s3cret", hashed)
    assert not verify("s3cret ", hashed)
    assert not verify("s3cret", "$6$rounds=5000$abc$def")
    assert not verify("s3cret", "garbage")


def test_a_hash_behind_another_account_name_does_not_verify():
    hashed = mosquitto_hash("s3cret")
    assert verify("s3cret", hashed) and not verify("s3cret", "2:" + hashed)


def test_a_device_id_with_a_colon_gets_no_broker_account(tmp_path):
    with pytest.raises(ValueError, match="contains ':'"):
        issue("changqing", "EM:2", "jiedao", tmp_path / "passwords", tmp_path / "acl")
    assert not (tmp_path / "passwords").exists()


def test_a_wildcard_or_level_in_a_client_id_widens_no_acl_pattern():
    rules = parse_acl("pattern read jiedao/changqing/devices/%c/status\n")
    assert rules.grants("changqing.EM-1", "EM-1") == [({"read"}, "jiedao/changqing/devices/EM-1/status")]
    assert rules.grants("changqing.EM-1", "#") == []
    assert rules.grants("changqing.EM-1", "EM-1/x") == []


def test_serve_help_lists_the_mqtt_port(jiedao_cli):
    result = jiedao_cli(["serve", "--help"], streets=STREETS)
    assert result.exit_code == 0, result.output
    assert "--mqtt-port" in result.output and "1883" in result.output


def test_serve_hands_the_mqtt_port_to_the_embedded_broker(jiedao_cli, database_url, jiedao_streets, credential_files, monkeypatch):
    import uvicorn

    served = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: served.append(options))  # no server: the option is what is checked
    result = jiedao_cli(["serve", "--mqtt-port", "18883", "--embedded-broker"], streets=jiedao_streets, database_url=database_url)
    assert result.exit_code == 0, result.output
    assert served and served[0]["port"] == 8000
    kernel = main._kernel  # the kernel this invocation loaded
    assert kernel.serve_options == {"mqtt_port": 18883, "embedded_broker": True}
    assert embedded_bind(kernel.serve_options["mqtt_port"]) == "127.0.0.1:18883"

    refused = jiedao_cli(["serve", "--mqtt-port", "0"], streets=STREETS, database_url=database_url)
    assert refused.exit_code == 2 and "--mqtt-port" in refused.output


def test_serve_without_a_broker_url_refuses_to_start_the_embedded_broker_unless_asked(jiedao_cli, database_url, jiedao_streets, credential_files, monkeypatch):
    import uvicorn

    served = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **options: served.append(options))
    monkeypatch.delenv("JIEDAO_MQTT_URL", raising=False)
    monkeypatch.delenv("JIEDAO_MQTT_EMBEDDED", raising=False)
    refused = jiedao_cli(["serve"], streets=jiedao_streets, database_url=database_url)
    assert refused.exit_code == 2 and not served
    assert "JIEDAO_MQTT_URL" in refused.output and "--embedded-broker" in refused.output and "Mosquitto" in refused.output

    monkeypatch.setenv("JIEDAO_MQTT_URL", "mqtt://127.0.0.1:1")
    assert jiedao_cli(["serve"], streets=jiedao_streets, database_url=database_url).exit_code == 0
    assert main._kernel.serve_options["embedded_broker"] is False  # a broker URL: the embedded one is never started
    monkeypatch.delenv("JIEDAO_MQTT_URL")
    monkeypatch.setenv("JIEDAO_MQTT_EMBEDDED", "0")
    assert jiedao_cli(["serve"], streets=jiedao_streets, database_url=database_url).exit_code == 0
    assert len(served) == 2


async def test_with_a_broker_url_the_embedded_broker_is_not_started_even_if_asked(kernel, broker, registry, monkeypatch):
    from jiedao.plugins.sensors import embedded
    from jiedao.plugins.sensors.serve import run_in_server

    def forbidden(*_args, **_kwargs):
        raise AssertionError("the embedded broker was started although JIEDAO_MQTT_URL is set")

    monkeypatch.setattr(embedded, "embedded_broker", forbidden)
    kernel.config.mqtt_url = broker.url
    kernel.serve_options["embedded_broker"] = True
    async with running(run_in_server(kernel)):
        async with aiomqtt.Client(broker.host, broker.port) as device:
            async def stored():
                await device.publish("jiedao/changqing/devices/EM-1/telemetry", b'{"voltage": 233}', qos=1)
                return (await device_row(kernel, "EM-1")).latest.get("voltage", {}).get("value") == 233
            await until(stored, what="a reading through JIEDAO_MQTT_URL")


async def test_the_embedded_broker_warns_that_it_is_for_demos_and_trials(caplog):
    caplog.set_level(logging.WARNING, logger="jiedao.sensors")
    async with embedded_broker(f"127.0.0.1:{free_port()}"):
        pass
    assert any("demo and single-machine trials" in r.getMessage() and "Mosquitto" in r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)


def test_the_port_comes_from_the_option_then_the_environment(monkeypatch):
    monkeypatch.setenv("JIEDAO_MQTT_EMBEDDED_BIND", "0.0.0.0:1999")
    assert (embedded_bind(), embedded_bind(2024)) == ("0.0.0.0:1999", "0.0.0.0:2024")
    monkeypatch.delenv("JIEDAO_MQTT_EMBEDDED_BIND")
    assert (embedded_bind(), embedded_bind(2024)) == ("127.0.0.1:1883", "127.0.0.1:2024")


async def test_serve_runs_the_embedded_broker_on_the_mqtt_port(kernel, registry, credential_files):
    from jiedao.plugins.sensors.serve import run_in_server

    port = free_port()
    kernel.config.mqtt_url = None
    kernel.serve_options.update(mqtt_port=port, embedded_broker=True)  # what 'jiedao serve --mqtt-port N --embedded-broker' stores
    async with running(run_in_server(kernel)):  # no password file: devices publish anonymously (a demo)
        await until(
            lambda: published_and_stored(kernel, port, "EM-1", 232), timeout=20, what="a reading through the embedded broker on --mqtt-port"
        )


@contextlib.asynccontextmanager
async def embedded_ingester(kernel, url: str):
    """The real ingester on the embedded broker, with the URL (and secret) the broker yielded."""
    ingester = Ingester(kernel, IngestOptions(url, batch_wait=0.02, client_id="embedded-test"))
    async with running(ingester.run()):
        await asyncio.wait_for(ingester.connected.wait(), 10)  # set once the broker acknowledged its subscriptions
        yield ingester


async def test_with_a_password_file_the_embedded_broker_enforces_credentials_and_acl(kernel, registry, credential_files):
    passwords, acl = credential_files
    em1 = issue("changqing", "EM-1", "jiedao", passwords, acl)
    issue("changqing", "EM-2", "jiedao", passwords, acl)
    port = free_port()
    async with embedded_broker(f"127.0.0.1:{port}") as url:
        internal = parse_url(url)
        assert internal.username == "jiedao-embedded" and internal.password  # in memory only
        assert "jiedao-embedded" not in passwords.read_text()

        for username, password in ((em1[0], "wrong"), (None, None), ("jiedao-embedded", "guess")):
            with pytest.raises(aiomqtt.MqttError):
                async with aiomqtt.Client("127.0.0.1", port, username=username, password=password, identifier="intruder"):
                    pass

        async with embedded_ingester(kernel, url) as ingester:
            async with aiomqtt.Client("127.0.0.1", port, username=em1[0], password=em1[1], identifier="em-1") as device:
                await device.publish("jiedao/changqing/devices/EM-2/telemetry", json.dumps({"voltage": 1}), qos=1)  # posing as EM-2
                await device.publish("jiedao/changqing/devices/EM-1/telemetry", json.dumps({"voltage": 221}), qos=1)
            await until(lambda: ingester.stats.accepted == 1, what="EM-1's own reading")
            assert ingester.stats.received == 1  # the forged one never reached the ingester
        assert (await device_row(kernel, "EM-1")).latest["voltage"]["value"] == 221
        assert (await device_row(kernel, "EM-2")).latest == {}

        async with aiomqtt.Client("127.0.0.1", port, username=em1[0], password=em1[1], identifier="em-1-spy") as device:
            await device.subscribe("jiedao/#", qos=1)  # a device may not read the street's traffic
            await device.subscribe("jiedao/changqing/devices/EM-1/status", qos=1)  # but its own status
            async with aiomqtt.Client("127.0.0.1", port, username=internal.username, password=internal.password, identifier="jiedao") as jiedao:
                await jiedao.publish("jiedao/changqing/devices/EM-2/telemetry", b"{}", qos=1)
                await jiedao.publish("jiedao/changqing/devices/EM-1/status", b"online", qos=1)  # its own status it may read
            message = await asyncio.wait_for(anext(device.messages), 10)
            assert (message.topic.value, message.payload) == ("jiedao/changqing/devices/EM-1/status", b"online"), "EM-2's reading came first"


async def test_a_revoked_device_can_no_longer_connect(kernel, registry, credential_files):
    from jiedao.plugins.sensors.provision import revoke

    passwords, acl = credential_files
    username, password = issue("changqing", "EM-1", "jiedao", passwords, acl)
    port = free_port()
    async with embedded_broker(f"127.0.0.1:{port}"):
        async with aiomqtt.Client("127.0.0.1", port, username=username, password=password, identifier="em-1"):
            pass
        revoke("changqing", "EM-1", passwords, acl)  # the broker re-reads the files: no restart
        with pytest.raises(aiomqtt.MqttError):
            async with aiomqtt.Client("127.0.0.1", port, username=username, password=password, identifier="em-1"):
                pass


def test_a_service_account_lets_a_separate_jiedao_process_in(jiedao_cli, credential_files):
    passwords, acl = credential_files
    device = issue("changqing", "EM-1", "jiedao", passwords, acl)
    result = jiedao_cli(["sensors", "provision-service", "reader", "--access", "read"], streets=STREETS)
    assert result.exit_code == 0, result.output
    reader = dict(line.split(": ", 1) for line in result.stdout.splitlines()[:2])  # stdout only: log lines go to stderr
    assert reader["username"] == "reader" and "user reader\ntopic read jiedao/#\n" in acl.read_text()
    bad = jiedao_cli(["sensors", "provision-service", "changqing.EM-1"], streets=STREETS)
    assert bad.exit_code == 2 and "a service name is" in bad.output

    async def scenario():
        port = free_port()
        async with (
            embedded_broker(f"127.0.0.1:{port}"),
            aiomqtt.Client("127.0.0.1", port, username="reader", password=reader["password"], identifier="reader") as client,
        ):
            await client.subscribe("jiedao/#", qos=1)
            await client.publish("jiedao/changqing/devices/EM-1/telemetry", b'{"voltage": 1}', qos=1)  # read-only: dropped
            async with aiomqtt.Client("127.0.0.1", port, username=device[0], password=device[1], identifier="em-1") as em1:
                await em1.publish("jiedao/changqing/devices/EM-1/telemetry", b'{"voltage": 220}', qos=1)
            message = await asyncio.wait_for(anext(client.messages), 5)
            # the first message is EM-1's: the reader's own, published and acknowledged before it, was dropped
            assert (message.topic.value, json.loads(message.payload)) == ("jiedao/changqing/devices/EM-1/telemetry", {"voltage": 220})

    asyncio.run(scenario())
