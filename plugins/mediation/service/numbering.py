"""A case's number in its register (人民调解案件登记): each people's mediation committee numbers
the cases of its studios from 1 every year (the street keeps its own register for studios not
yet attached to a committee), and the documents print it: （2026）长庆人调字第0012号.

The number is taken when the case is opened, by one upsert of the register's counter row
(``mediation_case_registers``): two cases opened at the same moment get two numbers, the
second waiting for the first's transaction; a case keeps its number if its studio later moves
to another committee."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from jiedao.api.domain import CHINA
from jiedao.plugins.mediation.models import Case

NEXT_NUMBER = text(
    "INSERT INTO mediation_case_registers (street_id, committee_key, year, last_number) VALUES (:street_id, :committee_key, :year, 1) "
    "ON CONFLICT (street_id, committee_key, year) DO UPDATE SET last_number = mediation_case_registers.last_number + 1 "
    "RETURNING last_number"
)
"""SQL: move a register's counter on by one (starting it at 1) and answer the number it gave."""


async def take_number(session: AsyncSession, case: Case, committee_id: int | None) -> None:
    """Give the (flushed) ``case`` the next number of the register of ``committee_id`` (its
    studio's committee, which the caller has just read; None: the street's own register) for
    the year it was opened in China."""
    year = case.opened_at.astimezone(CHINA).year
    number = await session.scalar(NEXT_NUMBER, {"street_id": case.street_id, "committee_key": committee_id or 0, "year": year})
    case.register_committee_id, case.register_year, case.register_number = committee_id, year, number


def document_number(street_name: str, case: Case) -> str:
    """The number on the case's documents, ``（2026）长庆人调字第0012号``: the year, the street's
    short name, the register's number (a case opened before registers existed and never
    numbered shows its id)."""
    short = street_name.removesuffix("街道") or street_name
    year = case.register_year or case.opened_at.astimezone(CHINA).year
    return f"（{year}）{short}人调字第{case.register_number or case.id:04d}号"
