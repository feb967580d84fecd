"""``ballotChanged``: a ballot's turnout and state, live.

Every committed change of a ballot (announced, closed with its result, cancelled) or of its
votes (cast online, a PAPER or PROXY vote recorded, a vote removed) is handed to the street's
ballot feed (``watch_rows``, after the commit, once per ballot and transaction). Each
subscriber then reads the ballot again in a fresh transaction through the rule of the
``ballot`` query (``deliberation.ballot.read``, the street of the socket) and receives the
``Ballot`` type itself: its fields keep their own rules (choices sealed while open, the tally
only once closed), so the stream shows nothing the queries do not. The feed lives in this
process only (as ``workItemChanged``'s)."""

from __future__ import annotations

import contextlib
from typing import Annotated
import weakref
from collections.abc import AsyncGenerator

import strawberry

from jiedao.api import allow, by_id
from jiedao.api.domain import StreetFeed, watch_rows
from jiedao.api.graphql import decode_id_of
from jiedao.plugins.deliberation.graphql.types import Ballot
from jiedao.plugins.deliberation.models import Ballot as BallotModel, Vote

BALLOT_READ = "deliberation.ballot.read"
BALLOT_MANAGE = "deliberation.ballot.manage"


class BallotFeed(StreetFeed[int]):
    """``(ballot id, by_vote)`` of the ballots of one street that changed (in this process
    only); ``by_vote``: only its votes changed, not the ballot itself."""


_feeds: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def ballot_feed(kernel) -> BallotFeed:
    """The ballot feed of ``kernel`` (one per loaded kernel, made on first use)."""
    feed = _feeds.get(kernel)
    if feed is None:
        feed = _feeds[kernel] = BallotFeed()
    return feed


def watch_ballots() -> None:
    """Tell the feed of every committed change of a ballot or of one of its votes."""
    watch_rows(BallotModel, lambda row, _: (row.id, False), ballot_feed)
    watch_rows(Vote, lambda row, _: (row.ballot_id, True), ballot_feed)


@strawberry.type
class BallotSubscription:
    """The fields the plugin adds to ``Subscription``."""

    @strawberry.subscription(
        description=(
            "Ballots of this street as their state changes (announced, closed with the result, cancelled), each as the "
            "`ballot` query shows it to you now; `ballotId` keeps one ballot. Those who manage ballots also hear of every vote "
            "cast or recorded (the turnout); others do not, since one vote's step in the turnout (its area and owners, at "
            "that moment) would say which home just voted."
        ),
        permission_classes=allow(BALLOT_READ),
    )
    async def ballot_changed(self, info: strawberry.Info, ballot_id: Annotated[strawberry.ID | None, strawberry.argument(description="Only this Ballot (global ID); leave out for every ballot you may read.")] = None) -> AsyncGenerator[Ballot, None]:
        """Stream the ballots (or the one ballot) of this street as they change."""
        ctx = info.context
        wanted = decode_id_of(ballot_id, "Ballot", "ballotId") if ballot_id is not None else None
        hears_votes = ctx.has_permission(BALLOT_MANAGE)
        async with contextlib.aclosing(ballot_feed(ctx.kernel).listen(ctx.street_id)) as changes:
            async for changed, by_vote in changes:
                if (wanted is not None and changed != wanted) or (by_vote and not hears_votes):
                    continue
                try:
                    await ctx.fresh()
                    ballot = await by_id(ctx, BallotModel).load(changed)
                    if ballot is not None:
                        yield ballot
                finally:
                    await ctx.fresh()  # its fields were resolved (or the client left): give the connection back
