"""All-or-nothing CSV import of grids: ``jiedao import grids FILE``, one building per line::

    grid_code,grid_name,community,compound,building,workers

Every building listed joins the grid ``grid_code`` (created in ``community`` if new; a grid's
name and community are the same on all its lines). ``workers`` (optional) lists usernames
separated by ``;``, accounts holding the role ``grid_worker`` in the street, added to the grid.
Every line is checked before anything is written; re-importing a file changes nothing. The
summary says how many buildings of the street still have no grid.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from jiedao.core.grids.models import Grid, GridWorker
from jiedao.core.identity import audit
from jiedao.core.identity.models import Grant, User
from jiedao.core.identity.roles import GRID_WORKER
from jiedao.core.importfile import ImportFailed, Problem, read_table
from jiedao.core.models import Building
from jiedao.core.organisations.importer import ImportReport
from jiedao.core.placenames import PlaceNames

if TYPE_CHECKING:
    from jiedao.core.kernel import Kernel

REQUIRED = ("grid_code", "grid_name", "community", "compound", "building")
OPTIONAL = ("workers",)
LIMITS = {"grid_code": 100, "grid_name": 200, "community": 200, "compound": 200, "building": 200, "workers": 2000}


@dataclass
class GridReport(ImportReport):
    """What a grid import did, and how many buildings of the street have no grid."""

    without_grid: int = 0

    def summary(self) -> str:
        """One line for the command line."""
        return super().summary() + f" {self.without_grid} building(s) of the street have no grid."


async def import_grids(kernel: Kernel, street: str, path: Path, *, actor: str = "cli", encoding: str = "utf-8") -> GridReport:
    """Import ``path`` into ``street`` in one transaction (see the module docstring)."""
    rows, problems, _ = read_table(path, encoding, REQUIRED, OPTIONAL, LIMITS)
    report = GridReport(rows=len(rows), what="grid(s)")
    street_id = kernel.street_id(street)
    async with kernel.db.transaction(street_id) as session:
        places = await PlaceNames.load(session)
        grids = {g.code: g for g in await session.scalars(select(Grid))}
        usernames = {u.strip() for _, v in rows for u in v["workers"].split(";") if u.strip()}
        users = dict((await session.execute(select(User.username, User.id).where(User.username.in_(usernames)))).all())
        workers_here = set(await session.scalars(select(Grant.user_id).where(Grant.street_id == street_id, Grant.role == GRID_WORKER, Grant.user_id.in_(users.values()))))
        planned_grids: dict[str, tuple[str, int, int]] = {}
        buildings: dict[int, tuple[str, int]] = {}
        workers: set[tuple[str, int]] = set()
        for line, values in rows:
            code = values["grid_code"]
            try:
                community_id = places.community(values["community"]) if values["community"] else None
            except ValueError as error:
                problems.append(Problem(line, "community", str(error)))
                community_id = None
            building_id = None
            if community_id is not None and values["compound"]:
                try:
                    compound_id = places.compound(values["compound"], community_id)
                    if values["building"]:
                        try:
                            building_id = places.in_compound(compound_id, values["building"])
                        except ValueError as error:
                            problems.append(Problem(line, "building", str(error)))
                except ValueError as error:
                    problems.append(Problem(line, "compound", str(error)))
            if code and community_id is not None:
                earlier = planned_grids.setdefault(code, (values["grid_name"], community_id, line))
                if earlier[1] != community_id:
                    problems.append(Problem(line, "community", f"grid '{code}' is in another community on line {earlier[2]}"))
                elif values["grid_name"] and earlier[0] != values["grid_name"]:
                    problems.append(Problem(line, "grid_name", f"grid '{code}' is called '{earlier[0]}' on line {earlier[2]}"))
                if code in grids and grids[code].community_id != community_id:
                    problems.append(Problem(line, "community", f"grid '{code}' belongs to another community in the street; a grid does not move"))
            if building_id is not None:
                if building_id in buildings and buildings[building_id][0] != code:
                    problems.append(Problem(line, "building", f"this building is put in grid '{buildings[building_id][0]}' on line {buildings[building_id][1]}; a building belongs to one grid"))
                buildings.setdefault(building_id, (code, line))
            for username in filter(None, (u.strip() for u in values["workers"].split(";"))):
                if username not in users:
                    problems.append(Problem(line, "workers", f"no account '{username}'"))
                elif users[username] not in workers_here:
                    problems.append(Problem(line, "workers", f"'{username}' is not a grid worker (网格员) of this street"))
                elif code:
                    workers.add((code, users[username]))
        if problems:
            raise ImportFailed(sorted(problems, key=lambda p: p.line))
        for code, (name, community_id, _) in planned_grids.items():
            grid = grids.get(code)
            if grid is None:
                grid = grids[code] = Grid(code=code, name=name, community_id=community_id)
                session.add(grid)
                report.created += 1
            elif grid.name != name:
                grid.name = name
                report.updated += 1
        await session.flush()
        for building in await session.scalars(select(Building).where(Building.id.in_(buildings))):
            building.grid_id = grids[buildings[building.id][0]].id
        present = set((await session.execute(select(GridWorker.grid_id, GridWorker.user_id))).all())
        session.add_all([GridWorker(grid_id=grids[code].id, user_id=user_id) for code, user_id in sorted(workers) if (grids[code].id, user_id) not in present])
        await session.flush()
        report.without_grid = await session.scalar(select(func.count()).select_from(Building).where(Building.grid_id.is_(None)))
        await audit.record(session, street_id, actor, "core.grids.imported", path.name, {"rows": report.rows, "created": report.created, "updated": report.updated})
    return report
