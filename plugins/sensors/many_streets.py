"""Storing one received batch that holds messages of many streets in few transactions.

A batch of an ingester subscribed to many streets holds a slice per street. Storing each
slice in a transaction of its own (``ingest.store``) pays, per street, a session, a pooled
connection, BEGIN, the street setting, the device lock, the open alarms, the writes and
COMMIT: with 100 streets a batch of 500 messages became 100 transactions of 5 messages.

Here the streets of a batch (in ascending street id) are cut into at most ``transactions``
contiguous groups; each group is ONE transaction, the groups run concurrently on their own
pooled connections. Inside a group's transaction every street's slice runs as before
(``store_batch``), after the session and row-level security are switched to that street
(``jiedao.api.domain.set_street_guc``, transaction-local; RLS stays forced, so a statement can
only ever see the street set before it). Each slice is flushed before the next street is set,
so no row is ever written under another street's setting (the session's street stamp would
refuse it).

Nothing is lost or mis-filed when something fails: a failing statement aborts the group's
whole transaction (nothing of it is kept), and every street of that group is then stored
again alone by ``ingest.store`` (its own transaction, split in halves down to the message at
fault, which is quarantined). Alarm changes are announced only after their transaction
committed. Devices are locked in (street id, device id) order within every transaction, so
two ingesters cannot deadlock on each other's groups.

SQLite has one writer at a time: there the groups are stored one after another.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from jiedao.api.care import care_settings_of
from jiedao.api.domain import Kernel, set_street_guc
from jiedao.plugins.sensors.service.publish import publish
from jiedao.plugins.sensors.service.store import Inbound, Outcome, store_batch

log = logging.getLogger("jiedao.sensors.ingest")
PLUGIN = "sensors"

StoreOne = Callable[[Kernel, str, list[Inbound]], Awaitable[Outcome]]


def street_groups(street_ids: dict[str, int], transactions: int) -> list[list[str]]:
    """The streets in ascending id, cut into at most ``transactions`` contiguous groups of
    nearly equal size (the first groups one street larger when it does not divide)."""
    ordered = sorted(street_ids, key=street_ids.__getitem__)
    count = max(1, min(transactions, len(ordered)))
    size, extra = divmod(len(ordered), count)
    groups, start = [], 0
    for index in range(count):
        end = start + size + (1 if index < extra else 0)
        groups.append(ordered[start:end])
        start = end
    return [group for group in groups if group]


def merge(outcomes: list[Outcome]) -> Outcome:
    """The sum of ``outcomes``."""
    total = Outcome()
    for outcome in outcomes:
        total.accepted += outcome.accepted
        total.readings += outcome.readings
        total.quarantined.update(outcome.quarantined)
        total.changes += outcome.changes
    return total


async def store_group(kernel: Kernel, group: list[str], by_street: dict[str, list[Inbound]]) -> dict[str, Outcome]:
    """Store the slices of the streets of ``group`` (ascending street id) in one transaction,
    switching the session and the database's street setting before each; their outcomes by
    street. Raises whatever failed; then nothing of the group was stored."""
    outcomes: dict[str, Outcome] = {}
    async with kernel.db.transaction(None) as session:
        try:
            for street in group:
                street_id = kernel.street_id(street)
                session.info["street_id"] = street_id
                await set_street_guc(session, street_id)
                outcomes[street] = await store_batch(session, street_id, kernel.settings(street, PLUGIN), by_street[street], care_settings_of(kernel, street))
        finally:
            session.info.pop("street_id", None)  # the commit writes nothing more: every slice was flushed
    return outcomes


async def store_streets(kernel: Kernel, by_street: dict[str, list[Inbound]], transactions: int, store_one: StoreOne) -> Outcome:
    """Store a batch's slices of many streets in at most ``transactions`` transactions (run
    concurrently on PostgreSQL), then announce each street's alarm changes. A group whose
    transaction failed is stored again street by street with ``store_one`` (``ingest.store``:
    one transaction per street, split in halves down to the message at fault)."""
    street_ids = {street: kernel.street_id(street) for street in by_street}
    groups = street_groups(street_ids, transactions)

    async def one_group(group: list[str]) -> Outcome:
        try:
            outcomes = await store_group(kernel, group, by_street)
        except Exception:  # noqa: BLE001 - the transaction was rolled back: store its streets alone
            log.exception("a batch of %d streets failed in one transaction; storing them one by one", len(group))
            return merge([await store_one(kernel, street, by_street[street]) for street in group])
        for street in group:
            await publish(kernel, street, outcomes[street].changes)
        return merge(list(outcomes.values()))

    if kernel.db.is_postgres and len(groups) > 1:
        return merge(list(await asyncio.gather(*(one_group(group) for group in groups))))
    return merge([await one_group(group) for group in groups])
