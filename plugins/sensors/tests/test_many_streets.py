"""An ingester subscribed to many streets: a batch's streets share few transactions, and
nothing is lost, duplicated or filed under another street when one fails or the worker dies."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import aiomqtt
import pytest
from sqlalchemy import event, func, select

from jiedao.plugins.sensors import ingest, many_streets
from jiedao.plugins.sensors.ingest import Ingester, IngestOptions
from jiedao.plugins.sensors.many_streets import street_groups
from jiedao.plugins.sensors.models import Alarm, Device, QuarantinedMessage, Reading
from jiedao.plugins.sensors.tests.conftest import ingesting, register_devices, until

STREETS = [f"s{n:02d}" for n in range(1, 11)]
ALARMING = 900
"""A residual current (mA) that raises an alarm at once."""


@pytest.fixture
def jiedao_streets():
    return {street: {"name": f"街道 {street}", "plugins": ["sensors"]} for street in STREETS}


@pytest.fixture
async def fleet(kernel):
    """EM-1 and EM-2 (monitors) registered in every street, under the same device ids."""
    return {street: await register_devices(kernel, street, buildings=2) for street in STREETS}


SENT_AT = int(time.time() * 1000) - 60_000
"""The devices' timestamp (ms) of the messages: a message sent again is the same reading."""


def message(street: str, device: str, values: dict, mid: int, ts: int = SENT_AT) -> aiomqtt.Message:
    return aiomqtt.Message(f"jiedao/{street}/devices/{device}/telemetry", json.dumps({"ts": ts, "values": values}).encode(), 1, False, mid, None)


def one_batch(streets=STREETS, alarm_in=(), later: int = 0) -> list[aiomqtt.Message]:
    """Two messages per street: EM-1's voltage (its street's index) and EM-2's residual
    current (``later`` ms after the voltage), alarming in the streets ``alarm_in``."""
    batch = []
    for index, street in enumerate(streets):
        batch.append(message(street, "EM-1", {"voltage": 200 + index}, 2 * index + 1))
        batch.append(message(street, "EM-2", {"residual_current": ALARMING if street in alarm_in else 10}, 2 * index + 2, SENT_AT + later))
    return batch


async def street_rows(kernel, street: str, model, **where) -> list:
    async with kernel.db.transaction(kernel.street_id(street)) as session:
        return list(await session.scalars(select(model).filter_by(**where)))


async def voltages(kernel, street: str) -> list[float]:
    """The voltages stored in ``street`` (through its own street setting)."""
    async with kernel.db.transaction(kernel.street_id(street)) as session:
        rows = await session.execute(select(Reading.value).join(Device, Device.id == Reading.device_pk).where(Reading.key == "voltage", Device.device_id == "EM-1"))
        return [value for (value,) in rows]


def counting_commits(kernel) -> list[int]:
    """A list that grows by one at every COMMIT of ``kernel``'s database."""
    commits: list[int] = []
    event.listen(kernel.db.sync_engine, "commit", lambda connection: commits.append(1))
    return commits


def test_streets_are_cut_in_ascending_contiguous_groups():
    ids = {"c": 3, "a": 1, "e": 5, "b": 2, "d": 4}
    assert street_groups(ids, 2) == [["a", "b", "c"], ["d", "e"]]
    assert street_groups(ids, 10) == [["a"], ["b"], ["c"], ["d"], ["e"]]
    assert street_groups(ids, 1) == [["a", "b", "c", "d", "e"]]


async def test_a_batch_of_ten_streets_is_stored_in_four_transactions_each_street_under_its_own(kernel, fleet):
    commits = counting_commits(kernel)
    ingester = Ingester(kernel, IngestOptions("mqtt://127.0.0.1:1", transactions=4))
    outcome = await ingester.process(one_batch())

    assert len(commits) == 4
    assert (outcome.accepted, outcome.readings, sum(outcome.quarantined.values())) == (20, 20, 0)
    for index, street in enumerate(STREETS):
        assert await voltages(kernel, street) == [200 + index]  # its own reading, in its own street

    before = Ingester(kernel, IngestOptions("mqtt://127.0.0.1:1", transactions=0))
    commits.clear()
    outcome = await before.process(one_batch())  # the same messages again: nothing added twice
    assert len(commits) == len(STREETS)  # before r8: a transaction per street
    assert (outcome.accepted, outcome.readings) == (20, 20)
    for index, street in enumerate(STREETS):
        assert await voltages(kernel, street) == [200 + index]

    outcome = await ingester.process(one_batch(alarm_in=STREETS[::3], later=1))
    assert len(outcome.changes) == len(STREETS[::3])
    for street in STREETS:
        alarms = await street_rows(kernel, street, Alarm)
        assert [(a.type, a.device_pk) for a in alarms] == ([("RESIDUAL_CURRENT", fleet[street].devices["EM-2"])] if street in STREETS[::3] else [])


async def test_a_street_failing_in_a_shared_transaction_is_stored_alone_and_its_neighbours_lose_nothing(kernel, fleet, monkeypatch, caplog):
    """A failing statement in s05's slice rolls its group back; every street of the group is
    stored again alone, s05 split down to the message at fault (quarantined). Each alarm is
    announced once, after its transaction committed."""
    real = ingest.store_batch

    async def failing(session, street_id, settings, messages, care=None):
        outcome = await real(session, street_id, settings, messages, care)
        if any(m.address.street == "s05" and b'"voltage"' in m.payload for m in messages):
            raise RuntimeError("a failing statement")
        return outcome

    monkeypatch.setattr(ingest, "store_batch", failing)
    monkeypatch.setattr(many_streets, "store_batch", failing)
    announced: list[tuple[str, bool]] = []
    real_publish = many_streets.publish

    async def visible_then_publish(kernel, street, changes):
        for change in changes:
            alarms = await street_rows(kernel, street, Alarm, id=change.alarm.id)  # another session: committed?
            announced.append((street, len(alarms) == 1))
        await real_publish(kernel, street, changes)

    monkeypatch.setattr(many_streets, "publish", visible_then_publish)
    monkeypatch.setattr(ingest, "publish", visible_then_publish)
    ingester = Ingester(kernel, IngestOptions("mqtt://127.0.0.1:1", transactions=3))
    outcome = await ingester.process(one_batch(alarm_in=STREETS))

    assert (outcome.accepted, outcome.readings, dict(outcome.quarantined)) == (19, 19, {"internal_error": 1})
    assert sorted(announced) == sorted((street, True) for street in STREETS)
    for index, street in enumerate(STREETS):
        assert await voltages(kernel, street) == ([] if street == "s05" else [200 + index])
        assert len(await street_rows(kernel, street, Alarm)) == 1
        assert len(await street_rows(kernel, street, QuarantinedMessage)) == (1 if street == "s05" else 0)
    assert any("storing them one by one" in r.getMessage() for r in caplog.records)


KILLED_INGESTER = '''
import asyncio, sys
from jiedao.core.config import parse_config
from jiedao.core.kernel import Kernel
from jiedao.plugins.sensors import many_streets
from jiedao.plugins.sensors.ingest import Ingester, IngestOptions

async def main():
    database_url, broker_url, *streets = sys.argv[1:]
    kernel = await Kernel.load(parse_config({"streets": {s: {"name": f"街道 {s}", "plugins": ["sensors"]} for s in streets}}, database_url=database_url))
    await kernel.sync_streets()
    last = kernel.street_id(streets[-1])
    real_group, real_batch = many_streets.store_group, many_streets.store_batch
    committed = []

    async def group(kernel, streets_of_group, by_street):
        outcomes = await real_group(kernel, streets_of_group, by_street)
        committed.append(streets_of_group)
        return outcomes

    async def batch(session, street_id, *args):
        if street_id == last:  # the last group's other streets are stored, not committed
            while len(committed) < 2:
                await asyncio.sleep(0.01)
            print("stalled", flush=True)
            await asyncio.Event().wait()
        return await real_batch(session, street_id, *args)

    many_streets.store_group, many_streets.store_batch = group, batch
    await Ingester(kernel, IngestOptions(broker_url, client_id="many-streets", batch_wait=2.0, transactions=3, protocol=3)).run()

asyncio.run(main())
'''


async def test_an_ingester_killed_mid_batch_of_many_streets_stores_every_message_once_after_restart(kernel, fleet, broker):
    filters = [f"jiedao/{street}/devices/+/+" for street in STREETS]
    async with aiomqtt.Client(broker.host, broker.port, identifier="many-streets", clean_session=False) as session:
        for topic_filter in filters:  # the ingester's persistent session, offline: the broker queues
            await session.subscribe(topic_filter, qos=1)
    async with aiomqtt.Client(broker.host, broker.port, identifier="many-streets-devices") as devices:
        for sent in one_batch(alarm_in=STREETS):
            await devices.publish(sent.topic.value, sent.payload, qos=1)

    worker = subprocess.Popen([sys.executable, "-c", KILLED_INGESTER, kernel.config.database_url, broker.url, *STREETS],
                              stdout=subprocess.PIPE, text=True, env={**os.environ})
    try:
        assert worker.stdout.readline().strip() == "stalled"  # two groups committed, the third mid-transaction
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    stored_before = {street: len(await voltages(kernel, street)) for street in STREETS}
    assert sum(stored_before.values()) == 7  # groups of 4, 3, 3: the last one lost with the worker

    async with ingesting(kernel, broker, client_id="many-streets", protocol=3) as ingester:
        # the broker delivers the whole unacknowledged batch again, the committed part included
        await until(lambda: ingester.stats.accepted == 2 * len(STREETS), what="the batch delivered and handled again")
    for index, street in enumerate(STREETS):
        assert await voltages(kernel, street) == [200 + index]  # once, in its own street
        async with kernel.db.transaction(kernel.street_id(street)) as session:
            assert await session.scalar(select(func.count()).select_from(Reading)) == 2
        assert len(await street_rows(kernel, street, Alarm)) == 1
