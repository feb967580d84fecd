"""The nightly recomputation run by ``jiedao serve``: time decay changes scores every day."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta

from jiedao.api.domain import CHINA, street_transaction
from jiedao.api import now as clock_now
from jiedao.plugins.credit import service

log = logging.getLogger("jiedao.credit")
HOUR = 2
"""Recompute at 02:00 China time."""


def seconds_until_next_run(now: datetime) -> float:
    """Seconds from ``now`` to the next 02:00 in China."""
    local = now.astimezone(CHINA)
    run = local.replace(hour=HOUR, minute=0, second=0, microsecond=0)
    if run <= local:
        run += timedelta(days=1)
    return (run - local).total_seconds()


async def recompute_streets(kernel) -> dict[str, int]:
    """Recompute every street that enables the plugin; returns the count per street."""
    done = {}
    for street in kernel.config.streets:
        if "credit" not in kernel.enabled_plugins(street):
            continue
        async with street_transaction(kernel, street) as session:  # the classes' notice is announced after the commit
            done[street] = await service.recompute_all(session, trigger="nightly")
    return done


async def nightly(kernel) -> None:
    """Sleep until 02:00, recompute, repeat; a failed night is logged and retried the next."""
    while True:
        await asyncio.sleep(seconds_until_next_run(clock_now()))
        try:
            log.info("credit nightly recomputation: %s", await recompute_streets(kernel))
        except Exception:  # noqa: BLE001 - the server keeps running; tomorrow retries
            log.exception("credit nightly recomputation failed")
