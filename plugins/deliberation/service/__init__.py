"""The rules of deliberation, without GraphQL: ballots (``ballots``) and their Art. 278
tally (``tally``), topics and consultations (``topics``), meetings (``meetings``).

The functions of ballots and topics are re-exported here (``service.create_ballot``,
``service.raise_topic`` ...). Every function takes an open session scoped to one street
and raises ``DomainError`` for anything the caller can fix; auditing is the caller's job.
"""

from __future__ import annotations

from jiedao.plugins.deliberation.service import meetings, tally
from jiedao.plugins.deliberation.service.ballots import (
    aware,
    cancel_ballot,
    cast_vote,
    close_ballot,
    compounds_of_ballot,
    compounds_of_scope,
    create_ballot,
    get_ballot,
    is_binding,
    open_ballot,
    owner_keys_of_units,
    record_vote,
    turnout,
)
from jiedao.plugins.deliberation.service.topics import (
    TRANSITIONS,
    add_comment,
    advance_topic,
    get_topic,
    hide_comment,
    open_consultation,
    publish_topic,
    raise_topic,
)

__all__ = [
    "TRANSITIONS", "add_comment", "advance_topic", "aware", "cancel_ballot", "cast_vote", "close_ballot", "compounds_of_ballot", "compounds_of_scope",
    "create_ballot", "get_ballot", "is_binding",
    "get_topic", "hide_comment", "meetings", "open_ballot", "open_consultation", "owner_keys_of_units", "publish_topic", "raise_topic",
    "record_vote", "tally", "turnout",
]
