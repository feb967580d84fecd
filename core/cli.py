"""The ``jiedao`` command line: serve, db, plugins, streets, users, import, schema."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import click

from jiedao.core.errors import ConfigurationError, DomainError, PluginError
from jiedao.core.kernel import Kernel, describe_problems


def load_kernel() -> Kernel:
    """The kernel of this deployment, or exit with every configuration problem listed."""
    try:
        return asyncio.run(Kernel.load())
    except (ConfigurationError, PluginError) as error:
        message = describe_problems(error) if isinstance(error, ConfigurationError) else f"Jiedao cannot start: {error}"
        click.echo(message, err=True)
        sys.exit(2)


def run(coroutine):
    """Run a coroutine; domain errors become a clean message and exit status 1."""
    try:
        return asyncio.run(coroutine)
    except DomainError as error:
        click.echo(f"error: {error.message}", err=True)
        sys.exit(1)


def require_street(kernel: Kernel, street: str, plugin: str | None = None) -> None:
    """Refuse (as a usage error) a street that is not configured, or does not enable ``plugin``."""
    if street not in kernel.config.streets:
        raise click.UsageError(f"unknown street '{street}' (streets: {', '.join(kernel.config.streets)})")
    if plugin is not None and plugin not in kernel.enabled_plugins(street):
        raise click.UsageError(f"street '{street}' does not enable the {plugin} plugin")


def in_street(ctx: click.Context, street: str | None, work, *, plugin: str | None = None):
    """Run ``await work(session)`` in one transaction of ``street`` and return its result.

    ``street=None`` runs unscoped (accounts, grants). Checks the street (and that it enables
    ``plugin``), syncs the street rows first, publishes the events kernel services deferred in
    the transaction once it has committed, and releases the connections afterwards; a
    ``DomainError`` becomes a clean message and exit status 1.
    """
    from jiedao.core.events import street_transaction
    kernel = kernel_of(ctx)
    if street is not None:
        require_street(kernel, street, plugin)

    async def go():
        await kernel.sync_streets()
        try:
            if street is None:
                async with kernel.db.transaction(None) as session:
                    return await work(session)
            async with street_transaction(kernel, street) as session:
                return await work(session)
        finally:
            await kernel.db.dispose()

    return run(go())


def report_import_failure(failure) -> None:
    """Print every problem of a refused all-or-nothing import and exit with status 1."""
    click.echo(f"Nothing was imported; {len(failure.problems)} problem(s):", err=True)
    for problem in failure.problems:
        click.echo(f"  line {problem.line}, column {problem.column}: {problem.reason}", err=True)
    sys.exit(1)


class KernelGroup(click.Group):
    """The root group; loads the kernel lazily so plugin commands can join it."""

    _kernel: Kernel | None = None

    @property
    def kernel(self) -> Kernel:
        if self._kernel is None:
            self._kernel = load_kernel()
        return self._kernel

    def _with_plugins(self) -> None:
        if getattr(self, "_plugins_added", False):
            return
        self._plugins_added = True
        for _, command in self.kernel.contributions.commands:
            if command.name not in self.commands:
                self.add_command(command)

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._with_plugins()
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in self.commands:
            self._with_plugins()
        return super().get_command(ctx, name)


@click.group(cls=KernelGroup)
@click.version_option(package_name="jiedao", prog_name="jiedao", message="%(prog)s %(version)s")
@click.option("-v", "--verbose", is_flag=True, help="Log at debug level, libraries' set-up lines included.")
@click.option("--log-format", type=click.Choice(["text", "json"]), default="text", show_default=True, envvar="JIEDAO_LOG_FORMAT",
              help="'json': one JSON object per log record, for log collectors (env JIEDAO_LOG_FORMAT).")
@click.option("--cluster", envvar="JIEDAO_CLUSTER", callback=lambda _ctx, _param, value: _select_cluster(value), expose_value=False,
              help="Serve only the streets on this PostgreSQL cluster ([streets.X] database = \"NAME\"; env JIEDAO_CLUSTER); "
                   "its URL comes from JIEDAO_DATABASE_URL_<NAME>.")
@click.pass_context
def main(ctx: click.Context, verbose: bool, log_format: str) -> None:
    """Jiedao: community governance for a street (街道), one GraphQL API, many plugins."""
    from jiedao.core.logs import configure_logging

    configure_logging(verbose=verbose, log_format=log_format)
    ctx.meta["jiedao.log_format"] = log_format
    ctx.obj = ctx.command


def _select_cluster(value: str | None) -> None:
    """Make ``--cluster`` the process's cluster before the kernel loads (``core/clusters.py``)."""
    if value:
        os.environ["JIEDAO_CLUSTER"] = value


CROSS_CELL_COMMANDS = frozenset({"db", "clusters", "streets", "plugins", "plugin", "schema"})
"""Commands that work without serving a cluster's streets (across cells, or on the code alone)."""


def kernel_of(ctx: click.Context) -> Kernel:
    """The kernel, for a command of this CLI or of a plugin (``@click.pass_context``).

    A process whose cluster holds no street (every street of plugins.toml is on a named
    cluster and none was chosen) may run only ``CROSS_CELL_COMMANDS``; any other command is
    refused, naming the clusters, instead of serving nothing against the default database."""
    root = ctx.find_root()
    kernel = root.command.kernel
    if not kernel.config.streets and root.invoked_subcommand not in CROSS_CELL_COMMANDS:
        clusters = ", ".join(kernel.config.clusters())
        raise click.UsageError(f"no street of plugins.toml is on the default cluster: choose the cell this process serves "
                               f"with --cluster NAME or JIEDAO_CLUSTER (clusters: {clusters})", ctx)
    return kernel


class ServeCommand(click.Command):
    """``jiedao serve``: its own options plus those plugins add with ``register.serve_option``."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        """``serve --cluster NAME`` chooses the cell before the kernel loads (the plugins' options
        below need the kernel), like the root option ``jiedao --cluster NAME serve``."""
        for index, arg in enumerate(args):
            if arg == "--cluster" and index + 1 < len(args):
                _select_cluster(args[index + 1])
            elif arg.startswith("--cluster="):
                _select_cluster(arg.split("=", 1)[1])
        return super().parse_args(ctx, args)

    def get_params(self, ctx: click.Context) -> list[click.Parameter]:
        own = super().get_params(ctx)
        names = {param.name for param in own}
        added = [option for _, option in kernel_of(ctx).contributions.serve_options if option.name not in names]
        return own[:-1] + added + own[-1:]  # --help stays last


@main.command(cls=ServeCommand)
@click.option("--demo", is_flag=True, help="Migrate and seed the demo streets and accounts first.")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--cluster", expose_value=False, help="Serve only the streets on this PostgreSQL cluster (the same as 'jiedao --cluster NAME serve').")
@click.option("--background/--no-background", default=True, show_default=True, envvar="JIEDAO_BACKGROUND",
              help="Run the once-per-deployment work (ingestion, escalation, notifications, nightly jobs) in this process. "
                   "--no-background (JIEDAO_BACKGROUND=off) for the API processes of a multi-process deployment; "
                   "live relays between processes run either way.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64), envvar="JIEDAO_WORKERS",
              help="Worker processes on this port, to use every core of the host (e.g. one per core); "
                   "the background work runs in one of them at a time (env JIEDAO_WORKERS).")
@click.pass_context
def serve(ctx: click.Context, demo: bool, host: str, port: int, background: bool, workers: int, **plugin_options) -> None:
    """Serve the GraphQL API (and, unless --no-background, plugins' background work) with uvicorn."""
    import uvicorn

    from jiedao.core import migrate
    from jiedao.core.app import build_app

    from jiedao.core.ports import port_problem

    kernel = kernel_of(ctx)
    kernel.serve_options.update(plugin_options)
    if workers > 1 and demo:
        raise click.UsageError("--demo runs in one process (its fake providers live in it): leave out --workers", ctx)
    if problem := port_problem(host, port):
        raise click.UsageError(f"cannot listen on {host}:{port} ({problem}): stop what uses it, or choose another port with --port", ctx)
    if demo:
        migrate.upgrade(kernel)
        from jiedao.core.demo import seed_demo
        from jiedao.core.notify.demo import demo_environment
        from jiedao.core.notify.runtime import runtime

        accounts = run(seed_demo(kernel))
        runtime(kernel).reset(environ=demo_environment(host, port))  # after the seed: channels are built in the server's loop
        click.echo("Demo accounts (password 'jiedao-demo'): " + ", ".join(accounts))
        if not os.environ.get("JIEDAO_INTROSPECTION"):
            kernel.config.introspection = "always"  # GraphiQL's schema explorer works without logging in
            click.echo("Introspection is open to anonymous callers (demo); JIEDAO_INTROSPECTION=authenticated closes it.")
    else:
        run(_require_head(kernel))
    click.echo(f"Start page: http://{host}:{port}/  (each street's app, GraphiQL and cockpit)")
    click.echo(f"App: http://{host}:{port}/app/<street>/  GraphiQL: http://{host}:{port}/graphql/<street>  streets: {', '.join(kernel.config.streets)}")
    if demo:
        click.echo(f"Messages and calls that would have gone out: http://{host}:{port}/dev/outbox/<street>")
    from jiedao.core.server import uvicorn_options

    trusted = ", ".join(kernel.config.transport.trusted_proxies) or "none (set JIEDAO_TRUSTED_PROXIES behind a proxy)"
    click.echo(f"X-Forwarded-For is believed from: {trusted}")
    # JSON logs: uvicorn's own records go through the root handler instead of its text config
    logs = {"log_config": None} if ctx.find_root().meta.get("jiedao.log_format") == "json" else {}
    if not background:
        click.echo("Background work is off in this process (--no-background): run it once elsewhere (see deploy/README.md).")
    if workers > 1:
        _serve_workers(ctx, kernel, host, port, workers, background, plugin_options, logs)
        return
    uvicorn.run(build_app(kernel, background=background, relays=True), host=host, port=port, log_level="info", **logs, **uvicorn_options(kernel.config))


def _serve_workers(ctx: click.Context, kernel: Kernel, host: str, port: int, workers: int, background: bool, plugin_options: dict, logs: dict) -> None:
    """``serve --workers N``: uvicorn's supervisor and N workers built by ``core.workers.worker_app``."""
    import json

    import uvicorn

    from jiedao.core import workers as worker_kit
    from jiedao.core.server import uvicorn_options

    root = ctx.find_root()
    spec = worker_kit.worker_spec(
        background=background,
        serve_options=plugin_options,
        log_format=root.meta.get("jiedao.log_format", "text"),
        verbose=root.params.get("verbose", False),
        introspection=os.environ.get("JIEDAO_INTROSPECTION"),
    )
    os.environ[worker_kit.SPEC_VARIABLE] = json.dumps(spec)
    options = {**uvicorn_options(kernel.config), "http": worker_kit.WorkerHttpProtocol}
    click.echo(f"{workers} worker processes" + ("; the background work runs in one of them at a time." if background else "."))

    async def streets_then_release() -> None:  # new street rows made once here, not raced by N workers
        try:
            await kernel.sync_streets()
        finally:
            await kernel.db.dispose()

    run(streets_then_release())
    uvicorn.run("jiedao.core.workers:worker_app", factory=True, workers=workers, host=host, port=port, log_level="info", **logs, **options)


async def _require_head(kernel: Kernel) -> None:
    from jiedao.core import migrate

    async with kernel.db.engine.connect() as connection:
        current = await connection.run_sync(migrate.current_revisions)
    await kernel.db.dispose()
    from jiedao.core.plugin_removal import NewerDatabase, OrphanedRevisions, unknown_revisions

    orphans, newer = unknown_revisions(kernel, current)
    if newer:
        raise DomainError(
            "The database holds revision(s) {revisions} that this Jiedao does not know: a newer release migrated it. "
            "Run that release again, or restore the backup taken before the upgrade; do not forget or remove anything.",
            revisions=", ".join(NewerDatabase(newer).revisions),
        )
    if orphans:  # the other plugins still serve; say what is left behind
        for line in str(OrphanedRevisions(orphans)).splitlines():
            click.echo(line, err=True)
    missing = migrate.missing_heads(kernel, current)
    if missing:
        raise DomainError("the database is not at the latest revision ({missing} missing); run 'jiedao db upgrade'.", missing=", ".join(sorted(missing)))


@main.group()
def db() -> None:
    """Database migrations (core and every installed plugin)."""


def _refuse_orphans(kernel: Kernel) -> None:
    """Stop with the plugin-removal message when the database holds an uninstalled plugin's migrations."""
    from jiedao.core.plugin_removal import PluginRemovalError, check_no_orphans

    try:
        run(check_no_orphans(kernel))
    except PluginRemovalError as refusal:
        click.echo(str(refusal), err=True)
        raise SystemExit(2) from None


@db.command("upgrade")
@click.argument("target", default="heads")
@click.pass_context
def db_upgrade(ctx: click.Context, target: str) -> None:
    """Upgrade to TARGET (default: every branch to its head)."""
    from jiedao.core import migrate

    from jiedao.core.cluster_commands import report_migrations
    from jiedao.core.clusters import selected_cluster

    kernel = kernel_of(ctx)
    _refuse_orphans(kernel)
    clusters = kernel.config.clusters()
    if set(clusters) != {kernel.config.cluster} and not selected_cluster()[1]:  # every cell of plugins.toml, one line each
        from jiedao.core.cluster_commands import chosen_clusters

        report_migrations(kernel, chosen_clusters(kernel, None), target)
        return
    migrate.upgrade(kernel, target)
    click.echo(f"upgraded to {target}")


@db.command("downgrade")
@click.argument("target")
@click.pass_context
def db_downgrade(ctx: click.Context, target: str) -> None:
    """Downgrade to TARGET (a revision, or PLUGIN@REVISION); a plugin's tables go with
    'jiedao plugins remove PLUGIN', which checks the streets and their data first."""
    from jiedao.core import migrate

    kernel = kernel_of(ctx)
    _refuse_orphans(kernel)
    branch, _, revision = target.partition("@")
    if revision == "base" and branch in kernel.installed:
        raise click.UsageError(
            f"'{target}' would drop the tables of plugin '{branch}' without checking the streets that enable it or "
            f"hold its data: run 'jiedao plugins remove {branch}' instead", ctx)
    migrate.downgrade(kernel, target)
    click.echo(f"downgraded to {target}")


@db.command("forget")
@click.argument("plugin")
@click.pass_context
def db_forget(ctx: click.Context, plugin: str) -> None:
    """Forget the migrations of PLUGIN, whose code is no longer installed (its tables stay)."""
    from jiedao.core.plugin_removal import PluginRemovalError, forget_plugin

    try:
        forgotten = run(forget_plugin(kernel_of(ctx), plugin))
    except PluginRemovalError as refusal:
        raise click.ClickException(str(refusal)) from None
    click.echo(f"forgot {', '.join(forgotten)} of '{plugin}'; its tables are left in place")


@db.command("revision")
@click.option("--branch", default="core", show_default=True, help="'core' or the plugin whose migrations/ gets the file")
@click.option("--id", "rev_id", required=True, help="the revision id, e.g. 0003_organisations or sensors_0005")
@click.argument("message")
@click.pass_context
def db_revision(ctx: click.Context, branch: str, rev_id: str, message: str) -> None:
    """Write a new revision on BRANCH, autogenerated from the models (the database must be at every head)."""
    from jiedao.core import migrate

    migrate.revision(kernel_of(ctx), message, branch, rev_id)
    click.echo(f"wrote {rev_id} on {branch}; review it before committing")


@db.command("current")
@click.pass_context
def db_current(ctx: click.Context) -> None:
    """Show the applied revisions and whether each branch is at its head."""
    from jiedao.core import migrate

    kernel = kernel_of(ctx)

    async def current() -> set[str]:
        async with kernel.db.engine.connect() as connection:
            result = await connection.run_sync(migrate.current_revisions)
        await kernel.db.dispose()
        return result

    from jiedao.core.plugin_removal import NewerDatabase, OrphanedRevisions, unknown_revisions

    applied = run(current())
    heads = migrate.heads(kernel)
    missing = migrate.missing_heads(kernel, applied)
    by_plugin, newer = unknown_revisions(kernel, applied)
    orphans = {revision for revisions in by_plugin.values() for revision in revisions}
    for revision in sorted(applied | heads):
        state = ("not installed" if revision in orphans else "newer than this code" if revision in newer
                 else "missing" if revision in missing else "head" if revision in heads else "applied")
        click.echo(f"{revision}  {state}")
    if newer:
        click.echo(str(NewerDatabase(newer)), err=True)
    if orphans:
        click.echo(str(OrphanedRevisions(by_plugin)), err=True)
    if missing or orphans or newer:
        raise SystemExit(1)


@main.group()
def plugins() -> None:
    """Installed plugins, removing one, and writing your own."""


@plugins.command("list")
@click.pass_context
def plugins_list(ctx: click.Context) -> None:
    """Each installed plugin, its version and the streets that enable it."""
    kernel = kernel_of(ctx)
    for name, plugin in sorted(kernel.installed.items()):
        streets = [slug for slug, street in kernel.config.streets.items() if name in street.plugins]
        click.echo(f"{name:<16} {plugin.info.version:<10} {plugin.info.title}  streets: {', '.join(streets) or '-'}")


@plugins.command("remove")
@click.argument("name")
@click.option("--force", is_flag=True, help="Drop the plugin's tables even though streets hold data in them.")
@click.pass_context
def plugins_remove(ctx: click.Context, name: str, force: bool) -> None:
    """Drop NAME's tables (downgrade its migrations) so it can be uninstalled safely.

    Refuses while a street enables the plugin, and while a street holds its data unless --force."""
    from jiedao.core.plugin_removal import PluginRemovalError, remove_plugin

    kernel = kernel_of(ctx)

    async def remove_then_release() -> list[str]:
        # ``data_held`` counts rows on the kernel's pool: release those connections before this
        # ``run``'s event loop closes, refused or not. Left in the pool, an aiosqlite connection
        # is closed by the garbage collector later, from whatever loop then runs, and its worker
        # thread answers after that loop closed ("Event loop is closed").
        try:
            return await remove_plugin(kernel, name, force=force)
        finally:
            await kernel.db.dispose()

    try:
        tables = run(remove_then_release())
    except PluginRemovalError as refusal:
        raise click.ClickException(str(refusal)) from None
    distribution = kernel.installed[name].distribution or name
    done = f"removed '{name}' from the database ({', '.join(tables)})" if tables else f"'{name}' has no tables in this database"
    click.echo(f"{done}; now: pip uninstall {distribution}")


@main.group()
def streets() -> None:
    """Configured streets."""


@streets.command("list")
@click.option("--served", is_flag=True, help="Only the streets of this process's cluster (--cluster / JIEDAO_CLUSTER), e.g. for a cell's scheduler.")
@click.pass_context
def streets_list(ctx: click.Context, served: bool) -> None:
    """Each street, its name, its cluster and its plugins (every cluster's streets)."""
    config = kernel_of(ctx).config
    for slug, street in (config.streets if served else config.all_streets or config.streets).items():
        click.echo(f"{slug:<16} {street.name}  cluster: {street.database}  plugins: {', '.join(street.plugins) or '-'}")


@main.group(name="schema")
def schema_group() -> None:
    """The GraphQL schema."""


@schema_group.command("export")
@click.option("--street", help="Export one street's schema instead of the full one.")
@click.option("--in-tree", is_flag=True, help="Only Jiedao's own plugins (how schema/schema.graphql is made), whatever else is installed.")
@click.pass_context
def schema_export(ctx: click.Context, street: str | None, in_tree: bool) -> None:
    """Print the SDL of every installed plugin (or of one street)."""
    if in_tree:
        from jiedao.core.docs import in_tree_sdl

        if street is not None:
            raise click.BadParameter("--in-tree exports the full schema; leave out --street", param_hint="--in-tree")
        click.echo(run(in_tree_sdl()), nl=False)
        return
    kernel = kernel_of(ctx)
    if street is not None and street not in kernel.config.streets:
        raise click.BadParameter(f"no street '{street}'; streets: {', '.join(kernel.config.streets)}", param_hint="--street")
    click.echo(kernel.schemas.sdl(street), nl=False)


@plugins.command("new")
@click.argument("name")
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True)
@click.option("--title", help="The plugin's human title.")
def plugin_new(name: str, directory: Path, title: str | None) -> None:
    """Generate an installable plugin distribution NAME (with tests) in --dir."""
    from jiedao.core.scaffold import ScaffoldError, generate

    try:
        target = generate(name, directory, title)
    except ScaffoldError as error:
        raise click.UsageError(str(error)) from None
    click.echo(f"created {target}")
    click.echo(f"next: pip install -e {target} && jiedao db upgrade && (cd {target} && pytest)")


@plugins.command("docs")
@click.option("--check", is_flag=True, help="Exit 1 if docs/plugins.md is not up to date.")
def plugin_docs(check: bool) -> None:
    """Regenerate the hook reference and the event catalogue in docs/plugins.md."""
    from jiedao.core.docs import GUIDE, render_guide

    current = GUIDE.read_text(encoding="utf-8")
    wanted = render_guide(current)
    if check:
        if wanted != current:
            click.echo("docs/plugins.md is stale; run 'jiedao plugins docs'", err=True)
            sys.exit(1)
        return
    GUIDE.write_text(wanted, encoding="utf-8")
    click.echo(f"wrote {GUIDE}")


class DeprecatedAlias(click.Group):
    """``jiedao plugin new|docs``: the old name of ``jiedao plugins new|docs``, hidden, saying so."""

    def invoke(self, ctx: click.Context):
        click.echo(f"'jiedao {ctx.info_name}' is deprecated: use 'jiedao plugins' (e.g. 'jiedao plugins new NAME')", err=True)
        return super().invoke(ctx)


plugin_alias = DeprecatedAlias(name="plugin", hidden=True, help="Deprecated: use 'jiedao plugins'.",
                               commands={"new": plugin_new, "docs": plugin_docs})
main.add_command(plugin_alias)

from jiedao.core.identity.cli import users  # noqa: E402 - registered after the group exists
from jiedao.core.demo_reset import demo  # noqa: E402

main.add_command(demo)

main.add_command(users)

if __name__ == "__main__":
    main(prog_name=os.path.basename(sys.argv[0]))


from jiedao.core.import_commands import import_group  # noqa: E402 - the group imports helpers above

main.add_command(import_group)

from jiedao.core.cluster_commands import clusters_group  # noqa: E402 - uses kernel_of above

main.add_command(clusters_group)
