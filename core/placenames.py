"""Finding the street's communities, compounds and buildings by the names people write in CSV
files, for the importers. Every look-up answers an id or raises ``ValueError`` with the reason
the importer reports at the cell's line and column."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.core.models import Building, Community, Compound


@dataclass
class PlaceNames:
    """The names of one street's places (read once per import)."""

    communities: dict[str, int]
    compounds: dict[tuple[int, str], int]
    compound_community: dict[int, int]
    buildings: dict[tuple[int, str], int]

    @classmethod
    async def load(cls, session: AsyncSession) -> PlaceNames:
        """Read the names of the session's street."""
        communities = {c.name: c.id for c in await session.scalars(select(Community))}
        compounds = list(await session.scalars(select(Compound)))
        buildings = (await session.execute(select(Building.compound_id, Building.name, Building.id))).all()
        return cls(
            communities,
            {(c.community_id, c.name): c.id for c in compounds},
            {c.id: c.community_id for c in compounds},
            {(compound_id, name): building_id for compound_id, name, building_id in buildings},
        )

    def community(self, name: str) -> int:
        """The community called ``name``."""
        if name not in self.communities:
            raise ValueError(f"no community '{name}' in this street (import it with 'jiedao import units' first)")
        return self.communities[name]

    def compound(self, name: str, community_id: int | None = None) -> int:
        """The compound called ``name`` (``社区/小区`` when two communities have one of that name),
        inside ``community_id`` when given."""
        if "/" in name:
            community_name, _, name = name.partition("/")
            community_id = self.community(community_name)
        found = [cid for (community, compound), cid in self.compounds.items() if compound == name and community_id in (None, community)]
        if not found:
            where = " in that community" if community_id is not None else " in this street"
            raise ValueError(f"no compound '{name}'{where}")
        if len(found) > 1:
            raise ValueError(f"two communities have a compound '{name}'; write it as 社区/小区")
        return found[0]

    def building(self, text: str, community_id: int | None = None) -> int:
        """The building written ``小区/楼`` (or ``社区/小区/楼``), inside ``community_id`` when given."""
        compound_name, slash, name = text.rpartition("/")
        if not slash or not compound_name or not name:
            raise ValueError(f"'{text}' does not name a building: write 小区/楼, e.g. 凤起都市花园/1幢")
        compound_id = self.compound(compound_name, community_id)
        return self.in_compound(compound_id, name)

    def in_compound(self, compound_id: int, name: str) -> int:
        """The building called ``name`` in the compound."""
        if (compound_id, name) not in self.buildings:
            raise ValueError(f"no building '{name}' in that compound")
        return self.buildings[(compound_id, name)]
