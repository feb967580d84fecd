"""Cells: groups of streets, each held by its own PostgreSQL cluster.

A cluster ("cell") is a complete Jiedao database — every table, its own users, grants and
tokens — holding the streets whose ``[streets.<slug>]`` says ``database = "<cluster>"``
(absent: the ``default`` cluster). URLs come from the environment only:

==============  ====================================  ==============================================
cluster         application URL                       owner URL (migrations)
==============  ====================================  ==============================================
``default``     ``JIEDAO_DATABASE_URL``               ``JIEDAO_MIGRATION_DATABASE_URL``
``east``        ``JIEDAO_DATABASE_URL_EAST``          ``JIEDAO_MIGRATION_DATABASE_URL_EAST``
==============  ====================================  ==============================================

A process serves one cluster (``jiedao --cluster east ...`` or ``JIEDAO_CLUSTER=east``): it
loads only that cluster's streets and serves from its database only, so the kernel keeps one
``Database`` and a process's connection count stays bounded by one pool (the platform
administrator's figures add at most two connections per other cell, ``core.cell_engines``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

DEFAULT_CLUSTER = "default"
CLUSTER_NAME = re.compile(r"^[a-z][a-z0-9_]{0,30}$")
SELECTED_CLUSTER_VARIABLE = "JIEDAO_CLUSTER"


def url_variable(cluster: str) -> str:
    """The environment variable holding ``cluster``'s application URL."""
    return "JIEDAO_DATABASE_URL" if cluster == DEFAULT_CLUSTER else f"JIEDAO_DATABASE_URL_{cluster.upper()}"


def owner_url_variable(cluster: str) -> str:
    """The environment variable holding ``cluster``'s owner URL (migrations)."""
    return "JIEDAO_MIGRATION_DATABASE_URL" if cluster == DEFAULT_CLUSTER else f"JIEDAO_MIGRATION_DATABASE_URL_{cluster.upper()}"


def replica_urls_variable(cluster: str) -> str:
    """The environment variable listing ``cluster``'s read replicas (comma-separated URLs; ``core.replicas``)."""
    return "JIEDAO_DATABASE_REPLICA_URLS" if cluster == DEFAULT_CLUSTER else f"JIEDAO_DATABASE_REPLICA_URLS_{cluster.upper()}"


def replica_urls(cluster: str, environ: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """``cluster``'s read-replica URLs from its variable (empty when unset)."""
    environ = os.environ if environ is None else environ
    return tuple(url.strip() for url in environ.get(replica_urls_variable(cluster), "").split(",") if url.strip())


def selected_cluster(environ: Mapping[str, str] | None = None) -> tuple[str, bool]:
    """The cluster this process serves and whether it was chosen explicitly (``JIEDAO_CLUSTER``)."""
    environ = os.environ if environ is None else environ
    chosen = environ.get(SELECTED_CLUSTER_VARIABLE, "").strip()
    return (chosen, True) if chosen else (DEFAULT_CLUSTER, False)


def app_url(cluster: str, environ: Mapping[str, str] | None = None) -> str | None:
    """``cluster``'s application URL from the environment, or None when its variable is unset."""
    environ = os.environ if environ is None else environ
    return environ.get(url_variable(cluster)) or None


def owner_url(cluster: str, environ: Mapping[str, str] | None = None) -> str | None:
    """``cluster``'s owner URL for migrations: its owner variable, else its application URL."""
    environ = os.environ if environ is None else environ
    return environ.get(owner_url_variable(cluster)) or app_url(cluster, environ)


def streets_by_cluster(street_clusters: Mapping[str, str]) -> dict[str, list[str]]:
    """``{cluster: [street slugs]}`` from ``{street: cluster}``, the default cluster first."""
    grouped: dict[str, list[str]] = {}
    for street, cluster in sorted(street_clusters.items(), key=lambda item: (item[1] != DEFAULT_CLUSTER, item[1])):
        grouped.setdefault(cluster, []).append(street)
    return grouped


def missing_url_problems(street_clusters: Mapping[str, str], clusters: list[str], environ: Mapping[str, str] | None = None) -> list[str]:
    """One start-up problem per named cluster of ``clusters`` whose URL variable is unset,
    naming its streets and the variable. The default cluster falls back to SQLite only when it
    is the only one: next to named clusters its ``JIEDAO_DATABASE_URL`` is required too (a cell
    silently on a local file would look migrated and served)."""
    problems = []
    grouped = streets_by_cluster(street_clusters)
    for cluster in clusters:
        alone = cluster == DEFAULT_CLUSTER and set(grouped) <= {DEFAULT_CLUSTER}
        if alone or cluster not in grouped or app_url(cluster, environ):
            continue
        streets = ", ".join(f"'{s}'" for s in grouped.get(cluster, []))
        problems.append(
            f"street {streets} is on database '{cluster}' (database = \"{cluster}\" in plugins.toml), but {url_variable(cluster)} "
            f"is not set; set it to that cluster's PostgreSQL URL (and {owner_url_variable(cluster)} to its owner's, for migrations)."
        )
    return problems
