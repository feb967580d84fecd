"""``jiedao clusters ...``: the deployment's PostgreSQL clusters (cells) seen from one command.

``list`` (each cluster, its URL variable and streets), ``migrate`` (every cluster to head,
reported per cluster), ``status`` (each cluster's revisions: at head or behind),
``nginx-map`` (the proxy's street → cell routing) and ``figures`` (cross-street figures of a
platform administrator, fanned out over every cluster). See deploy/README.md, "Cells".
"""

from __future__ import annotations

import asyncio
import re
import sys

import click

from jiedao.core.clusters import app_url, missing_url_problems, owner_url, url_variable
from jiedao.core.kernel import Kernel


def chosen_clusters(kernel: Kernel, only: str | None) -> list[str]:
    """The clusters a command works on: ``only`` (``--cluster`` of the command or the root
    option, when chosen explicitly) or every cluster of plugins.toml. Exits with status 2
    naming each street whose cluster has no URL variable set."""
    from jiedao.core.clusters import selected_cluster

    known = kernel.config.clusters()
    chosen, explicit = selected_cluster()
    only = only or (chosen if explicit else None)
    if only is not None and only not in known:
        raise click.UsageError(f"no street is on cluster '{only}' (clusters: {', '.join(known)})")
    names = [only] if only else list(known)
    problems = missing_url_problems({slug: s.database for slug, s in kernel.config.all_streets.items()}, names)
    if problems:
        click.echo("Jiedao cannot start:\n" + "\n".join(f"  - {p}" for p in problems), err=True)
        sys.exit(2)
    return names


def _app_url(kernel: Kernel, cluster: str) -> str:
    """The application URL of ``cluster`` (this process's own when it is the one served)."""
    if cluster == kernel.config.cluster:
        return kernel.config.database_url
    url = app_url(cluster)
    assert url is not None, f"{url_variable(cluster)} checked before"
    return url


def _owner_url(kernel: Kernel, cluster: str) -> str:
    """The owner URL of ``cluster`` (migrations), falling back to its application URL."""
    from jiedao.core.migrate import migration_url

    if cluster == kernel.config.cluster:
        return migration_url(kernel)
    return owner_url(cluster) or _app_url(kernel, cluster)


def migrate_clusters(kernel: Kernel, clusters: list[str], target: str = "heads") -> dict[str, str | None]:
    """Upgrade each of ``clusters`` to ``target``; ``{cluster: None or the error}`` (one cluster's
    failure does not stop the others)."""
    from jiedao.core import migrate

    results: dict[str, str | None] = {}
    for cluster in clusters:
        try:
            migrate.upgrade(kernel, target, url=_owner_url(kernel, cluster))
            results[cluster] = None
        except Exception as error:  # noqa: BLE001 - reported per cluster
            results[cluster] = f"{type(error).__name__}: {error}"
    return results


async def cluster_revisions(kernel: Kernel, cluster: str) -> set[str]:
    """The revisions applied in ``cluster``'s database."""
    from jiedao.core import migrate
    from jiedao.core.db import create_engine

    engine = create_engine(_app_url(kernel, cluster))
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(migrate.current_revisions)
    finally:
        await engine.dispose()


def report_migrations(kernel: Kernel, clusters: list[str], target: str) -> None:
    """Migrate ``clusters``, print one line per cluster, exit 1 when any failed."""
    failed = False
    for cluster, error in migrate_clusters(kernel, clusters, target).items():
        if error is None:
            click.echo(f"cluster {cluster}: upgraded to {target}")
        else:
            failed = True
            click.echo(f"cluster {cluster}: FAILED: {error}", err=True)
    if failed:
        raise SystemExit(1)


@click.group("clusters")
def clusters_group() -> None:
    """The PostgreSQL clusters (cells) of the deployment: [streets.X] database = "NAME"."""


@clusters_group.command("list")
@click.pass_context
def clusters_list(ctx: click.Context) -> None:
    """Each cluster, the variable its URL comes from, its read replicas and its streets."""
    from jiedao.core.cli import kernel_of
    from jiedao.core.clusters import replica_urls, replica_urls_variable

    kernel = kernel_of(ctx)
    for cluster, streets in kernel.config.clusters().items():
        state = "set" if cluster == kernel.config.cluster or app_url(cluster) else "NOT SET"
        replicas = len(replica_urls(cluster))
        click.echo(f"{cluster:<12} {url_variable(cluster)} ({state})  replicas: {replicas} ({replica_urls_variable(cluster)})  streets: {', '.join(streets)}")


@clusters_group.command("migrate")
@click.option("--cluster", "only", help="Only this cluster (default: every cluster of plugins.toml).")
@click.argument("target", default="heads")
@click.pass_context
def clusters_migrate(ctx: click.Context, only: str | None, target: str) -> None:
    """Upgrade every cluster (or --cluster) to TARGET as its owner, one line per cluster."""
    from jiedao.core.cli import kernel_of

    kernel = kernel_of(ctx)
    report_migrations(kernel, chosen_clusters(kernel, only), target)


@clusters_group.command("status")
@click.option("--cluster", "only", help="Only this cluster.")
@click.pass_context
def clusters_status(ctx: click.Context, only: str | None) -> None:
    """Whether each cluster is at the latest revision; exit 1 when one is behind or unreachable."""
    from jiedao.core import migrate
    from jiedao.core.cli import kernel_of

    kernel = kernel_of(ctx)
    behind = False
    for cluster in chosen_clusters(kernel, only):
        try:
            applied = asyncio.run(cluster_revisions(kernel, cluster))
        except Exception as error:  # noqa: BLE001 - reported per cluster
            behind = True
            click.echo(f"cluster {cluster}: unreachable: {type(error).__name__}: {error}", err=True)
            continue
        missing = migrate.missing_heads(kernel, applied)
        if missing:
            behind = True
            click.echo(f"cluster {cluster}: behind ({', '.join(sorted(missing))} missing); run 'jiedao clusters migrate --cluster {cluster}'")
        else:
            click.echo(f"cluster {cluster}: at head")
    if behind:
        raise SystemExit(1)


_ADDRESS = re.compile(r"(?:[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\]):[0-9]{1,5}")
"""An upstream server as the map writes it into nginx's configuration: nothing else gets in."""


@clusters_group.command("nginx-map")
@click.option("--upstream", "upstreams", multiple=True, metavar="CLUSTER=HOST:PORT[,HOST:PORT...]",
              help="The API processes of a cluster (repeat per cluster); without it only the maps are written.")
@click.pass_context
def clusters_nginx_map(ctx: click.Context, upstreams: tuple[str, ...]) -> None:
    """Print the nginx include that routes /graphql/{street} (and every street path) to its cell."""
    from jiedao.core.cli import kernel_of
    from jiedao.core.nginx_map import nginx_map, street_routes

    kernel = kernel_of(ctx)
    servers: dict[str, list[str]] = {}
    for item in upstreams:
        cluster, _, addresses = item.partition("=")
        if cluster not in kernel.config.clusters() or not addresses:
            raise click.BadParameter(f"'{item}': expected CLUSTER=HOST:PORT[,...] with CLUSTER one of {', '.join(kernel.config.clusters())}",
                                     param_hint="--upstream")
        servers[cluster] = [a.strip() for a in addresses.split(",") if a.strip()]
        bad = [a for a in servers[cluster] if not _ADDRESS.fullmatch(a)]
        if bad:
            raise click.BadParameter(f"'{bad[0]}' is not HOST:PORT (letters, digits, '.', '-', '_' or [IPv6], then a port)", param_hint="--upstream")
    missing = [cluster for cluster in kernel.config.clusters() if servers and cluster not in servers]
    if missing:
        raise click.BadParameter(f"no API processes given for cluster(s) {', '.join(missing)}: their streets would get 502", param_hint="--upstream")
    click.echo(nginx_map(kernel.config.clusters(), street_routes(kernel), servers), nl=False)


@clusters_group.command("figures")
@click.option("--json", "as_json", is_flag=True, help="One JSON object: the totals and each cluster's and street's figures.")
@click.pass_context
def clusters_figures(ctx: click.Context, as_json: bool) -> None:
    """A platform administrator's cross-street figures, read from every cluster (as each street,
    through row-level security) and summed; exit 1 when a cluster did not answer."""
    import json

    from jiedao.core import fanout
    from jiedao.core.cell_engines import engines_of
    from jiedao.core.cli import kernel_of

    kernel = kernel_of(ctx)
    clusters = chosen_clusters(kernel, None)

    async def read() -> list[fanout.CellFigures]:
        try:
            return await fanout.read_cells(kernel, clusters)
        finally:  # this loop's pools, closed in it
            await engines_of(kernel).dispose()
            await kernel.db.dispose()

    cells = asyncio.run(read())
    result = fanout.as_json(cells)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, sort_keys=True))
    else:
        for cell in cells:
            for street in cell.streets:
                click.echo(f"{cell.name:<12} {street.slug:<16} " + "  ".join(f"{k}={v}" for k, v in sorted(street.figures.items())))
        click.echo("total" + " " * 25 + "  ".join(f"{k}={v}" for k, v in sorted(result["total"].items())))
    for cluster, problem in result.get("unreachable", {}).items():
        click.echo(f"cluster {cluster}: did not answer: {problem}", err=True)
    if "unreachable" in result:
        raise SystemExit(1)


__all__ = ["chosen_clusters", "clusters_group", "migrate_clusters", "report_migrations"]
