"""Who may see and do what with the maintenance fund.

Street staff (``deliberation.fund.manage``) open accounts, record deposits and interest,
authorise and disburse uses and record emergency uses; they and readers with
``deliberation.fund.read`` see every account. The owners' committee (业委会) of a compound —
an account acting for it with ``org.ballots.convene`` in its term, as for convening ballots —
may request uses of its compound's accounts. The fund's balance and ledger are published
information (Civil Code Art. 281(1): 筹集、使用情况应当定期公布): residents read their own
compound's accounts, and organisations (业委会, 物业) those of their places.
"""

from __future__ import annotations

from sqlalchemy import or_, select, true
from sqlalchemy.sql.elements import ColumnElement

from jiedao.api import DomainError, registry, Write
from jiedao.api.organisations import acted_for_ids, may_convene_ballot, place_building_ids
from jiedao.plugins.deliberation.fund.models import FundAccount
from jiedao.plugins.deliberation.service.scope import home_compound_ids

FUND_MANAGE = "deliberation.fund.manage"
FUND_READ = "deliberation.fund.read"
FUND_PUBLISHED = "deliberation.fund.published"

PERMISSIONS = {
    FUND_MANAGE: "Open maintenance-fund accounts, record deposits and interest, authorise and disburse uses, record emergency uses",
    FUND_READ: "See every maintenance-fund account of the street with its ledger and uses",
    FUND_PUBLISHED: "Read the maintenance-fund accounts of one's own compound (residents) or of one's organisation's places",
}


def visible_accounts(ctx) -> ColumnElement[bool]:
    """SQL: the accounts the caller may read (see the module docstring)."""
    if ctx.has_permission(FUND_READ) or ctx.has_permission(FUND_MANAGE):
        return true()
    if not ctx.has_permission(FUND_PUBLISHED) or ctx.user is None:
        return FundAccount.id.is_(None)
    places = select(registry.Building.compound_id).where(registry.Building.id.in_(place_building_ids(acted_for_ids(ctx.user))))
    seen = [FundAccount.compound_id.in_(places)]
    if ctx.user.resident_id is not None:
        seen.append(FundAccount.compound_id.in_(home_compound_ids(ctx.user.resident_id)))
    return or_(*seen)


async def require_requester(w: Write, compound_id: int, field: str = "accountId") -> None:
    """Street staff, or the compound's owners' committee in its term; ``FORBIDDEN`` naming
    ``field`` otherwise."""
    if w.ctx.has_permission(FUND_MANAGE):
        return
    if w.user is not None and await may_convene_ballot(w.session, w.user, compound_id):
        return
    raise DomainError(
        "Only street staff, or the owners' committee of the account's compound in its term, may request a use of it.",
        code="FORBIDDEN", field=field,
    )
