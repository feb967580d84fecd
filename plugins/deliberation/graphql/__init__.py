"""The deliberation plugin's contribution to the GraphQL schema, gathered for its hook.

Ballots live in ``graphql_ballots``, topics, consultations and meetings in
``graphql_topics``, shared enums and helpers in ``graphql_common``.
"""

from __future__ import annotations

from plugins.deliberation.graphql_ballots import Ballot, BallotMutation, BallotQuery, UnitDeliberation
from plugins.deliberation.graphql_topics import (
    BuildingDeliberation,
    Meeting,
    MeetingMutation,
    MeetingQuery,
    ResidentDeliberation,
    Topic,
    TopicMutation,
    TopicQuery,
)

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
