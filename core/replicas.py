"""Read replicas of a cell: which reads they take, and the two rules that keep them honest.

A cell's PostgreSQL cluster is a primary with streaming (physical) read replicas. A process
given ``JIEDAO_DATABASE_REPLICA_URLS`` (``_EAST`` for the cell ``east``; comma-separated, the
same RLS-bound application role) sends the reads of GraphQL *queries* to a replica; mutations,
subscriptions, authentication and every background job stay on the primary. A replica
serves a request's reads only when it has replayed the primary's WAL up to a point that
bounds what the reader may miss:

1. **Bounded staleness.** Every second the process samples the primary's WAL position
   (``pg_current_wal_lsn()``; an asynchronous commit reaches it within ``wal_writer_delay``);
   a replica is used only when it has replayed at least the position the primary had
   ``JIEDAO_REPLICA_MAX_LAG_SECONDS`` ago (default 5). A replica further behind — replay
   paused, a long query conflict, a broken link — is passed over and the primary answers. So
   nobody reads data older than the bound, whoever wrote it (an ingester's alarm, another
   user's work item).
2. **Read your own writes.** A request that commits a write answers with its commit position
   (``pg_current_wal_insert_lsn()``: with asynchronous commit the write position may not hold
   the commit yet) as the cookie ``jiedao_written`` (browsers send it back by themselves, to
   every process of the cell) and the header ``Jiedao-Written-Lsn`` (other clients may send
   it back as ``Jiedao-Read-After``); a later query of that client is served by a replica
   only once the replica has replayed that position. Someone who just saved a form sees it
   at once.

The check is one statement, the same one that sets the street for row-level security, so a
replica read costs no extra round trip. A replica that refuses connections is left alone for
``DOWN_SECONDS`` and the primary answers meanwhile: a replica's failure never fails a read.
``jiedao_replica_reads_total{outcome}`` on ``/metrics`` counts where the reads went.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import time
from collections import deque
from collections.abc import Sequence
from typing import TYPE_CHECKING

from prometheus_client import Counter
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

if TYPE_CHECKING:
    from jiedao.core.db import Database

log = logging.getLogger("jiedao.replicas")

WRITTEN_COOKIE = "jiedao_written"
"""The cookie carrying a client's last commit position (a PostgreSQL LSN, e.g. ``0/16B3748``)."""
WRITTEN_HEADER = "jiedao-written-lsn"
"""The response header carrying the same position."""
READ_AFTER_HEADER = "jiedao-read-after"
"""The request header a client without cookies sends the position back in."""
WRITTEN_COOKIE_SECONDS = 300
"""How long the cookie lives: far longer than any replica that is used may lag."""
SAMPLE_SECONDS = 1.0
"""How often the primary's WAL position is sampled."""
DOWN_SECONDS = 5.0
"""How long a replica that refused a connection is left alone."""
DEFAULT_MAX_LAG_SECONDS = 5.0
REPLICA_READS = Counter(
    "jiedao_replica_reads_total",
    "Requests whose reads a read replica could take, by where they went: replica, "
    "primary_lagging (every replica behind the bound or the caller's write) or primary_unreachable.",
    ["outcome"],
)

_LSN = re.compile(r"^[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}$")
_CHECK = text("select coalesce(pg_last_wal_replay_lsn() >= cast(cast(:needed as text) as pg_lsn), false)")
"""Whether the replica has replayed a position (the street's setting goes with the BEGIN, ``core.db_street``)."""


def lsn_value(lsn: str) -> int:
    """The position ``lsn`` (``"16/B374D848"``) as a number, for comparing two positions."""
    high, _, low = lsn.partition("/")
    return (int(high, 16) << 32) + int(low, 16)


def valid_lsn(value: str | None) -> str | None:
    """``value`` when it is a well-formed LSN, else None (a client's cookie or header is not trusted
    further: a forged position can only send that client's own reads to the primary)."""
    if value is None:
        return None
    value = value.strip()
    return value.upper() if _LSN.match(value) else None


def later(first: str | None, second: str | None) -> str | None:
    """The later of two positions (None: no position)."""
    if first is None or second is None:
        return first or second
    return first if lsn_value(first) >= lsn_value(second) else second


def read_after(request) -> str | None:
    """The commit position a request's reads must include: the later of its ``jiedao_written``
    cookie and its ``Jiedao-Read-After`` header (malformed values are ignored)."""
    return later(valid_lsn(request.cookies.get(WRITTEN_COOKIE)), valid_lsn(request.headers.get(READ_AFTER_HEADER)))


class Replicas:
    """The read replicas of the process's cell and the primary's sampled WAL positions."""

    def __init__(self, primary: Database, urls: Sequence[str], max_lag_seconds: float = DEFAULT_MAX_LAG_SECONDS, pool_size: int | None = None):
        """``pool_size``: each replica's pool (``JIEDAO_DATABASE_POOL_SIZE``; None: ``core.db``'s default)."""
        from jiedao.core.db import create_engine

        self.primary = primary
        self.urls = tuple(urls)
        self.max_lag_seconds = max_lag_seconds
        self.engines = [create_engine(url, **({} if pool_size is None else {"pool_size": pool_size})) for url in self.urls]
        self._sessionmakers = [async_sessionmaker(engine, expire_on_commit=False) for engine in self.engines]
        self._down_until = [0.0] * len(self.engines)
        self._next = 0
        self._samples: deque[tuple[float, str]] = deque()
        self._sampler: asyncio.Task | None = None

    def horizon(self) -> str | None:
        """The position a replica must have replayed to be read: the primary's position
        ``max_lag_seconds`` ago (while the process is younger than that, its first sample)."""
        cutoff = time.monotonic() - self.max_lag_seconds
        old_enough = [lsn for at, lsn in self._samples if at <= cutoff]
        if old_enough:
            return old_enough[-1]
        return self._samples[0][1] if self._samples else None

    async def sample(self) -> str:
        """Read the primary's current WAL position and remember it; the position."""
        async with self.primary.engine.connect() as connection:
            # The write position, not the insert position: a primary left idle with its last
            # record ending on a page boundary would otherwise hold an insert position no
            # replica ever reaches (the next page's header), and nobody would read a replica.
            lsn = (await connection.execute(text("select pg_current_wal_lsn()::text"))).scalar_one()
        now = time.monotonic()
        self._samples.append((now, lsn))
        cutoff = now - self.max_lag_seconds
        while len(self._samples) > 1 and self._samples[1][0] <= cutoff:
            self._samples.popleft()  # only the newest sample older than the bound is ever needed
        return lsn

    async def _sample_forever(self) -> None:
        while True:
            await asyncio.sleep(SAMPLE_SECONDS)
            try:
                await self.sample()
            except Exception as error:  # noqa: BLE001 - the primary is away: the last samples stay, reads move to it anyway
                log.warning("cannot read the primary's WAL position: %s", error)

    async def session(self, street_id: int, read_after: str | None, session_info: dict) -> AsyncSession | None:
        """A session on a replica that has replayed both the staleness horizon and
        ``read_after``, in a transaction scoped to ``street_id`` (RLS set); None when no
        replica qualifies (the caller reads the primary)."""
        if self._sampler is None or self._sampler.done():
            self._sampler = asyncio.get_running_loop().create_task(self._sample_forever(), name="jiedao-replica-sampler")
        if not self._samples:
            try:
                await self.sample()
            except Exception as error:  # noqa: BLE001 - the primary answers (or fails) the read itself
                log.warning("cannot read the primary's WAL position: %s", error)
                return None
        needed = later(self.horizon(), read_after)
        unreachable = False
        for offset in range(len(self.engines)):
            index = (self._next + offset) % len(self.engines)
            if self._down_until[index] > time.monotonic():
                unreachable = True
                continue
            session = self._sessionmakers[index]()
            session.info.update(session_info)
            session.info.update(street_id=street_id, replica=self.urls[index])
            try:
                await session.begin()
                caught_up = (await session.execute(_CHECK, {"needed": needed})).scalar_one()
            except (OperationalError, InterfaceError, OSError, TimeoutError, DBAPIError) as error:
                await session.close()
                if isinstance(error, DBAPIError) and not isinstance(error, (OperationalError, InterfaceError)) and not error.connection_invalidated:
                    raise  # not the replica's absence: a fault to see, not to hide
                self._down_until[index] = time.monotonic() + DOWN_SECONDS
                log.warning("read replica %d of %d is unreachable, reading the primary for %gs: %s", index + 1, len(self.engines), DOWN_SECONDS, error)
                unreachable = True
                continue
            if caught_up:
                self._next = index + 1
                REPLICA_READS.labels("replica").inc()
                return session
            await session.close()
        REPLICA_READS.labels("primary_unreachable" if unreachable else "primary_lagging").inc()
        return None

    async def dispose(self) -> None:
        """Stop sampling and close the replicas' connections."""
        if self._sampler is not None:
            self._sampler.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._sampler
        for engine in self.engines:
            await engine.dispose()
