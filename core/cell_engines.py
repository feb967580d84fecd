"""The databases of the other cells, as one process reads them for the platform's figures.

A process serves one cell and keeps one pool on it (``kernel.db``). The cross-cell figures
(``core.fanout``) read every cell, the other cells through their application URL from the
environment (``core.clusters.app_url``), the served one through its own URL: each gets one
small pool (``CELL_POOL_SIZE`` connections, a connection attempt bounded by
``CELL_TIMEOUT_SECONDS``), made on first use, kept on the kernel and disposed when the kernel
closes (``Kernel.on_close``).
"""

from __future__ import annotations

from jiedao.core.clusters import app_url
from jiedao.core.db import Database
from jiedao.core.kernel import Kernel

CELL_POOL_SIZE = 2
"""Connections a process may hold on another cell: one street is read at a time there."""
CELL_TIMEOUT_SECONDS = 5.0
"""How long a cell has to answer (connecting and reading every street) before it is reported as not answering."""


class CellEngines:
    """One kernel's pools on the other cells, by application URL."""

    def __init__(self) -> None:
        self._databases: dict[str, Database] = {}

    def database(self, url: str) -> Database:
        """The ``Database`` of ``url`` (made on first use, with a small pool)."""
        db = self._databases.get(url)
        if db is None:
            small = {} if url.startswith("sqlite") else {
                "pool_size": 1, "max_overflow": CELL_POOL_SIZE - 1, "connect_args": {"timeout": CELL_TIMEOUT_SECONDS},
            }
            db = self._databases[url] = Database(url, **small)
        return db

    async def dispose(self) -> None:
        """Close every pool (the kernel is closing)."""
        databases, self._databases = self._databases, {}
        for db in databases.values():
            await db.dispose()


def engines_of(kernel: Kernel) -> CellEngines:
    """The pools of ``kernel`` on the other cells (made on first use, disposed with the kernel)."""
    engines = kernel.__dict__.get("cell_engines")
    if engines is None:
        engines = kernel.__dict__["cell_engines"] = CellEngines()
        kernel.on_close(engines.dispose)
    return engines


def cell_database(kernel: Kernel, cluster: str) -> Database | None:
    """The ``Database`` to read ``cluster`` through: a small pool on the cell's application URL
    (None when that URL's variable is unset here). The cell the process serves gets one too, on
    PostgreSQL, rather than the kernel's pool: the ``platformFigures`` field may run beside a
    field that holds the request's connection, and a request that holds one connection of a
    pool while it waits for another of the same pool can wait for ever (or until the pool's
    timeout) when as many such requests run as the pool holds. SQLite's one file is read
    through the kernel's own ``Database``."""
    if cluster == kernel.config.cluster:
        return kernel.db if not kernel.db.is_postgres else engines_of(kernel).database(kernel.config.database_url)
    url = app_url(cluster)
    return None if url is None else engines_of(kernel).database(url)
