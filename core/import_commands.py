"""``jiedao import units|organisations|memberships|grids FILE --street S``: CSV imports, all or nothing."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import click

from jiedao.core.cli import kernel_of, report_import_failure, require_street


@click.group(name="import")
def import_group() -> None:
    """Import data from files."""


ENCODING_OPTION = click.option(
    "--encoding", type=click.Choice(["utf-8", "gbk"]), default="utf-8", show_default=True,
    help="The file's encoding: UTF-8 (with or without BOM) or GBK (Excel's 'CSV (逗号分隔)' on Chinese Windows).",
)


def csv_import(name: str, street_help: str):
    """``jiedao import NAME FILE --street S [--encoding gbk]``: the options every CSV import takes."""

    def decorate(command):
        command = click.pass_context(command)
        command = ENCODING_OPTION(command)
        command = click.option("--street", required=True, help=street_help)(command)
        command = click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))(command)
        return import_group.command(name)(command)

    return decorate


@csv_import("units", "The street the units belong to.")
def import_units_command(ctx: click.Context, file: Path, street: str, encoding: str) -> None:
    """Import communities, compounds, buildings, units and owners from a CSV file.

    \b
    Required columns: community,compound,building,unit,area_m2,owner_name,owner_id
      owner_id   your own identifier of the person (e.g. a household register number):
                 the same person on several rows owns several units; co-owners of a unit
                 appear on one row each
    Optional columns:
      owner_phone, owner_id_card (18 characters, checked)
      stairwell  单元, e.g. 2 (empty when the building has one)
      floor      an integer, negative below ground
      longitude, latitude  the building's location in degrees, GCJ-02 as Chinese maps
                 give them; both or neither, the same on every row of a building

    All or nothing: every row is checked first, and one bad row aborts the import with
    every problem listed by line and column. Importing the same file again changes nothing.
    """
    from jiedao.core.importer import ImportFailed, import_units

    kernel = kernel_of(ctx)
    require_street(kernel, street)

    async def go():
        await kernel.sync_streets()
        with click.progressbar(length=1, label="importing", file=sys.stderr) as bar:

            def progress(done: int, total: int) -> None:
                bar.length = total
                bar.update(done - bar.pos)

            try:
                return await import_units(kernel, street, file, progress=progress, encoding=encoding)
            finally:
                await kernel.db.dispose()

    try:
        report = asyncio.run(go())
    except ImportFailed as failure:
        report_import_failure(failure)
    click.echo(report.summary())




def _run_import(ctx: click.Context, street: str, importer, file: Path, encoding: str) -> None:
    """Run ``await importer(kernel, street, file, encoding=...)``; print its summary, or every
    problem of a refused file (exit status 1)."""
    from jiedao.core.importfile import ImportFailed

    kernel = kernel_of(ctx)
    require_street(kernel, street)

    async def go():
        await kernel.sync_streets()
        try:
            return await importer(kernel, street, file, encoding=encoding)
        finally:
            await kernel.db.dispose()

    try:
        report = asyncio.run(go())
    except ImportFailed as failure:
        report_import_failure(failure)
    click.echo(report.summary())


@csv_import("organisations", "The street the organisations belong to.")
def import_organisations_command(ctx: click.Context, file: Path, street: str, encoding: str) -> None:
    """Import organisations (居委会, 业委会, 物业, 党组织, departments …) from a CSV file.

    Columns: code,kind,name and optionally community,compound,parent_code,party_level,
    term_start,term_end,filed_on,phone,served_compounds,covered_buildings. All or nothing.
    """
    from jiedao.core.organisations.importer import import_organisations

    _run_import(ctx, street, import_organisations, file, encoding)


@csv_import("memberships", "The street of the organisations.")
def import_memberships_command(ctx: click.Context, file: Path, street: str, encoding: str) -> None:
    """Import the members of organisations, with their offices and accounts' roles, from a CSV file.

    Columns: organisation_code and optionally office,resident_id,username,role,started_on,ended_on.
    """
    from jiedao.core.organisations.importer import import_memberships

    _run_import(ctx, street, import_memberships, file, encoding)


@csv_import("grids", "The street of the grids.")
def import_grids_command(ctx: click.Context, file: Path, street: str, encoding: str) -> None:
    """Import grids and the grid of every building from a CSV file.

    Columns: grid_code,grid_name,community,compound,building and optionally workers. All or nothing.
    """
    from jiedao.core.grids.importer import import_grids

    _run_import(ctx, street, import_grids, file, encoding)


@csv_import("emergency-contacts", "The street of the residents.")
def import_emergency_contacts_command(ctx: click.Context, file: Path, street: str, encoding: str) -> None:
    """Import residents' emergency contacts from a CSV file.

    Columns: resident_id (the owner_id of 'jiedao import units'),name,relation,phone. A resident
    named gets exactly its lines' contacts (at most three). All or nothing.
    """
    from jiedao.core.contacts.importer import import_emergency_contacts

    _run_import(ctx, street, import_emergency_contacts, file, encoding)
