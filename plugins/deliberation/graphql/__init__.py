"""The deliberation plugin's contribution to the GraphQL schema, gathered for its hook.

Types live in ``types``, queries and the fields added to core types in ``queries``,
mutations with their inputs and payloads in ``mutations``, the ``ballotChanged`` subscription
in ``live``.
"""

from __future__ import annotations

from jiedao.plugins.deliberation.graphql import sql  # noqa: F401 - declares one ballot with its turnout in SQL (schema.compiled_reads)
from jiedao.plugins.deliberation.graphql.mutations import BallotMutation, MeetingMutation, TopicMutation
from jiedao.plugins.deliberation.graphql.queries import (
    BallotQuery,
    BuildingDeliberation,
    MeetingQuery,
    ResidentDeliberation,
    TopicQuery,
    UnitDeliberation,
)
from jiedao.plugins.deliberation.graphql.types import Ballot, Meeting, Topic

QUERIES = (BallotQuery, TopicQuery, MeetingQuery)
MUTATIONS = (BallotMutation, TopicMutation, MeetingMutation)
NODE_TYPES = (Ballot, Topic, Meeting)
EXTENSIONS = {"Building": BuildingDeliberation, "Unit": UnitDeliberation, "Resident": ResidentDeliberation}


def register_schema(register) -> None:
    """Register the queries, mutations, node types and core-type extensions."""
    for query in QUERIES:
        register.query(query)
    for mutation in MUTATIONS:
        register.mutation(mutation)
    register.types(*NODE_TYPES)
    for type_name, mixin in EXTENSIONS.items():
        register.extend(type_name, mixin)
    from jiedao.plugins.deliberation.fund.schema import register_fund_schema  # the maintenance fund

    register_fund_schema(register)
    from jiedao.plugins.deliberation.graphql.live import BallotSubscription, watch_ballots  # ballotChanged

    register.subscription(BallotSubscription)
    watch_ballots()
