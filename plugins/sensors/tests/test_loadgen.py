"""The realistic load generator (``plugins/sensors/loadgen``): its rates, faults and jitter,
the bulk provisioning of a fleet and its MQTT accounts, and the replay of history."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import UTC, datetime

import aiomqtt
import pytest
from sqlalchemy import func, select

from jiedao.core.config import parse_config
from jiedao.core.kernel import Kernel
from jiedao.core.testing.services import MosquittoBroker, mosquitto_available, require_service
from jiedao.plugins.sensors.loadgen.profiles import PROFILES, device_ids, fleet_mix, messages_per_hour
from jiedao.plugins.sensors.loadgen.replay import planned_rows, replay
from jiedao.plugins.sensors.loadgen.schedule import ALARM_FAULTS, SimDevice, schedule
from jiedao.plugins.sensors.models import Alarm, Device, QuarantinedMessage, Reading
from jiedao.plugins.sensors.service.rules import ELECTRIC_MONITOR, EV_CHARGER_FIRE, SMOKE_DETECTOR, check_values, evaluate
from jiedao.plugins.sensors.settings import Thresholds

from .conftest import SHIPPED_SETTINGS, ingesting, until

STREETS = {"changqing": {"name": "长庆街道", "plugins": ["sensors"]}}


def fleet(devices: int, street: str = "changqing") -> list[SimDevice]:
    return [SimDevice(street, device_id, kind) for device_id, kind in device_ids(devices)]


def test_a_street_keeps_changqings_mix_of_devices():
    assert fleet_mix(1486) == {ELECTRIC_MONITOR: 734, SMOKE_DETECTOR: 737, EV_CHARGER_FIRE: 15}
    assert sum(fleet_mix(1500).values()) == 1500 and fleet_mix(40)[EV_CHARGER_FIRE] == 1


@pytest.mark.parametrize("seed", [1, 2])
def test_a_simulated_hour_sends_each_kinds_messages_at_its_real_rate(seed):
    sent = Counter(message.kind for message in schedule(fleet(1500), 3600, seed=seed, fault_rate=0))
    expected = messages_per_hour(1500)  # monitors every 5-15 min, detectors every 3-5 h, chargers every 1-3 min
    assert expected[ELECTRIC_MONITOR] == pytest.approx(742 * 6) and expected[SMOKE_DETECTOR] == pytest.approx(743 / 4)
    for kind, count in sent.items():
        assert 0.85 * expected[kind] <= count <= 1.15 * expected[kind], (kind, count, expected[kind])


def test_no_device_publishes_at_the_same_instant_as_all_others():
    messages = list(schedule(fleet(1500), 1800, seed=4, fault_rate=0))
    firsts: dict[str, float] = {}
    for message in messages:
        firsts.setdefault(message.device_id, message.at)
    assert len(set(firsts.values())) == len(firsts)  # every device starts at its own moment
    per_second = Counter(int(message.at) for message in messages)
    assert max(per_second.values()) <= 10  # about 2.8 a second on average: no thundering herd
    assert [m.at for m in messages] == sorted(m.at for m in messages)


def test_every_alarm_fault_carries_values_the_demos_rules_raise_its_alarm_for():
    faults = [m for m in schedule(fleet(1500), 4 * 3600, seed=5, fault_rate=0.02) if m.alarm]
    assert {(m.kind, m.fault) for m in faults} == {(kind, fault) for kind, pairs in ALARM_FAULTS.items() for fault, _ in pairs}
    for message in faults:
        conditions = evaluate(message.kind, check_values(message.kind, message.values), Thresholds())
        assert any(c.type == message.alarm and c.severity for c in conditions), message
    assert len({(m.street, m.device_id) for m in faults}) == len(faults)  # one alarm fault per device and run


def test_a_fault_comes_in_a_burst_then_the_device_recovers():
    messages = list(schedule(fleet(200), 6 * 3600, seed=6, fault_rate=0.05))
    fault = next(m for m in messages if m.alarm)
    after = [m for m in messages if m.device_id == fault.device_id and m.at > fault.at]
    assert [m.fault for m in after[:3]] == [fault.fault] * 3 and all(10 <= b.at - a.at <= 30 for a, b in zip([fault, *after[:3]], after[:4]))
    assert after[4].fault is None and not any(c.severity for c in evaluate(fault.kind, check_values(fault.kind, after[4].values), Thresholds()))


async def _kernel(url: str, streets: dict) -> Kernel:
    kernel = await Kernel.load(parse_config({"streets": streets}, database_url=url))
    await kernel.sync_streets()
    return kernel


def test_simulate_realistic_publishes_at_the_kinds_rates_and_its_faults_raise_their_alarms(jiedao_cli, database_url, broker, monkeypatch, tmp_path):
    """Two simulated hours in about two seconds (--speed 3600), every message ingested: the
    messages per kind are in the band of their rates, each alarm fault raised its alarm, each
    malformed message was quarantined, every reading was stored."""
    added = jiedao_cli(["sensors", "provision-fleet", "--street", "changqing", "--devices", "60"], streets=STREETS, database_url=database_url)
    assert added.exit_code == 0 and "60 devices registered" in added.output, added.output

    async def subscribe():
        kernel = await _kernel(database_url, STREETS)
        async with ingesting(kernel, broker, client_id="loadgen-test"):
            pass  # the persistent session queues what the simulator sends
        await kernel.close()

    asyncio.run(subscribe())
    monkeypatch.setenv("JIEDAO_MQTT_URL", broker.url)
    report = tmp_path / "report.json"
    result = jiedao_cli(["sensors", "simulate", "--realistic", "--street", "changqing", "--speed", "3600", "--duration", "2s", "--seed", "7",
                         "--fault-rate", "0.05", "--report", str(report)], streets=STREETS, database_url=database_url)
    assert result.exit_code == 0, result.output
    tally = json.loads(report.read_text())
    expected = {kind: 2 * per_hour for kind, per_hour in messages_per_hour(60).items()}
    for kind, count in tally["by_kind"].items():
        assert 0.75 * expected[kind] <= count <= 1.25 * expected[kind] + 5, (kind, count, expected[kind])
    street = tally["streets"]["changqing"]
    assert tally["faults"] and street["refused"] > 0

    async def ingest():
        kernel = await _kernel(database_url, STREETS)
        try:
            async with ingesting(kernel, broker, client_id="loadgen-test") as ingester:
                await until(lambda: ingester.stats.received >= street["messages"], what="every simulated message")
                await until(lambda: ingester.stats.accepted + sum(ingester.stats.quarantined.values()) + ingester.stats.unroutable >= street["messages"],
                            what="every message handled")
            async with kernel.db.transaction(kernel.street_id("changqing")) as session:
                readings = await session.scalar(select(func.count()).select_from(Reading))
                quarantined = await session.scalar(select(func.count()).select_from(QuarantinedMessage))
                alarms = set((await session.execute(select(Device.device_id, Alarm.type).join(Device, Device.id == Alarm.device_pk))).all())
        finally:
            await kernel.close()
        return readings, quarantined, alarms

    readings, quarantined, alarms = asyncio.run(ingest())
    assert readings == street["readings"]
    assert quarantined == street["refused"]
    assert {(f["device_id"], f["alarm"]) for f in tally["faults"]} <= alarms


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_provision_fleet_registers_a_hundred_streets_in_bulk_whose_accounts_work_on_mosquitto(jiedao_cli, database_url, tmp_path):
    require_service(mosquitto_available())
    streets = {f"s{n:03d}": {"name": f"街道 {n}", "plugins": ["sensors"]} for n in range(1, 101)}
    passwords, acl, secrets = tmp_path / "passwd", tmp_path / "acl", tmp_path / "fleet.json"
    argv = ["sensors", "provision-fleet", "--all-streets", "--devices", "20", "--credentials", str(secrets), "--password-file", str(passwords), "--acl-file", str(acl)]
    result = jiedao_cli(argv, streets=streets, database_url=database_url)
    assert result.exit_code == 0, result.output
    assert "2000 devices registered in 100 street(s)" in result.output and "2000 MQTT accounts issued" in result.output
    again = jiedao_cli(argv, streets=streets, database_url=database_url)  # idempotent: no device twice, accounts rotated
    assert again.exit_code == 0 and "0 devices registered" in again.output, again.output
    issued = json.loads(secrets.read_text())
    assert len(issued) == 2000 and acl.read_text().count("\nuser ") + acl.read_text().startswith("user ") == 2000
    assert len(passwords.read_text().splitlines()) == 2000

    async def counted():
        kernel = await _kernel(database_url, streets)
        try:
            counts = {}
            for street in ("s001", "s050", "s100"):
                async with kernel.db.transaction(kernel.street_id(street)) as session:
                    counts[street] = dict((await session.execute(select(Device.kind, func.count()).group_by(Device.kind))).all())
            return counts
        finally:
            await kernel.close()

    for counts in asyncio.run(counted()).values():
        assert counts == {kind: n for kind, n in fleet_mix(20).items() if n}

    settings = "\n".join(line for line in SHIPPED_SETTINGS.read_text().splitlines() if line.strip() and not line.startswith("#"))

    async def scenario():
        with (passwords.open("a") as extra, acl.open("a") as rules):
            from jiedao.plugins.sensors.provision import mosquitto_hash

            extra.write(f"reader:{mosquitto_hash('reader-pw')}\n")
            rules.write("user reader\ntopic read jiedao/#\n")
        with MosquittoBroker(allow_anonymous=False, password_file=passwords, acl_file=acl, settings=settings, base_dir=tmp_path) as broker:
            async with aiomqtt.Client(broker.host, broker.port, username="reader", password="reader-pw") as reader:
                await reader.subscribe("jiedao/#", qos=1)
                for street, device in (("s001", "EM-00001"), ("s100", "SD-00002")):
                    user = f"{street}.{device}"
                    async with aiomqtt.Client(broker.host, broker.port, username=user, password=issued[user]) as own:
                        await own.publish(f"jiedao/{street}/devices/{device}/telemetry", b'{"battery": 80}', qos=1)
                        message = await asyncio.wait_for(anext(reader.messages), 10)
                        assert message.topic.value == f"jiedao/{street}/devices/{device}/telemetry"
                try:  # a device of s001 may not speak for s002's device of the same id
                    async with aiomqtt.Client(broker.host, broker.port, username="s001.EM-00001", password=issued["s001.EM-00001"]) as own:
                        await own.publish("jiedao/s002/devices/EM-00001/telemetry", b'{"voltage": 1}', qos=1)
                except aiomqtt.MqttError:
                    pass
                # then one it may send: the reader's next message is that one (had the forged one
                # passed, the broker would have delivered it first)
                async with aiomqtt.Client(broker.host, broker.port, username="s001.EM-00001", password=issued["s001.EM-00001"]) as own:
                    await own.publish("jiedao/s001/devices/EM-00001/telemetry", b'{"voltage": 2}', qos=1)
                message = await asyncio.wait_for(anext(reader.messages), 10)
                assert (message.topic.value, message.payload) == ("jiedao/s001/devices/EM-00001/telemetry", b'{"voltage": 2}')
                with pytest.raises(aiomqtt.MqttError):
                    async with aiomqtt.Client(broker.host, broker.port, username="s001.EM-00001", password="wrong"):
                        pass

    asyncio.run(scenario())


async def test_a_replayed_day_has_the_rows_of_the_kinds_rates(make_kernel):
    kernel = await make_kernel(STREETS)
    street_id = kernel.street_id("changqing")
    from jiedao.plugins.sensors.loadgen.fleet import fleet_of, register_fleet

    await register_fleet(kernel, ["changqing"], 40)
    end = datetime(2026, 11, 30, tzinfo=UTC)
    result = await replay(kernel, "changqing", 1, end=end, seed=3)
    devices = await fleet_of(kernel, ["changqing"])
    async with kernel.db.transaction(street_id) as session:
        pks = dict((await session.execute(select(Device.device_id, Device.id))).all())
        stored = dict((await session.execute(select(Device.kind, func.count()).select_from(Reading).join(Device, Device.id == Reading.device_pk).group_by(Device.kind))).all())
        first, last = (await session.execute(select(func.min(Reading.ts), func.max(Reading.ts)))).one()
    planned = Counter()
    for message, _ in planned_rows(devices, pks, end, 86400, 3):
        planned[message.kind] += 1
    assert stored == planned and sum(planned.values()) == result.readings
    # a day at the kinds' rates: 4 readings per monitor message (every 5-15 min), 3 per detector heartbeat, 2 per charger message
    mix = fleet_mix(40)
    for kind, keys in ((ELECTRIC_MONITOR, 4), (SMOKE_DETECTOR, 3), (EV_CHARGER_FIRE, 2)):
        per_day = mix[kind] * keys * 86400 / PROFILES[kind].mean
        assert 0.8 * per_day <= stored[kind] <= 1.2 * per_day, (kind, stored[kind], per_day)
    assert end.timestamp() - 86400 <= first.timestamp() and last.timestamp() < end.timestamp()
