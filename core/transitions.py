"""A state-transition table: which states may follow which, and the refusal of any other move.

A plugin states its moves once, ``Transitions(thing="case", field="to", moves={...})``, and its
services call ``moves.check(current, target)`` before changing a row's state: an illegal move
is a ``DomainError`` with code ``INVALID_TRANSITION`` naming the allowed next states (the states,
``thing`` and the phrases are words of the plugin's names table, ``msgctxt "name"``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Generic, TypeVar

from jiedao.core.errors import DomainError
from jiedao.core.messages import Name, domain_of_module, names_list

State = TypeVar("State", bound=Enum)


@dataclass(frozen=True)
class Transitions(Generic[State]):
    """The legal moves between the states of one kind of row.

    ``thing`` and ``field`` name the row and the input field in the refusal; ``when_none`` is
    what the refusal says when no move is left; ``allowed`` introduces the list of moves.
    """

    thing: str
    field: str
    moves: Mapping[State, frozenset[State]]
    when_none: str
    allowed: str = "allowed next states"

    def check(self, current: str, target: State) -> State:
        """Return the current state (as the enum) if a move to ``target`` is allowed; else refuse it."""
        state = type(target)(current)
        if target not in self.moves[state]:
            domain = domain_of_module(type(target).__module__)
            moves = sorted(self.moves[state], key=lambda s: s.value)
            allowed = names_list(moves) if moves else Name(self.when_none, domain)
            raise DomainError(
                "A {thing} that is '{state}' cannot become '{target}'; {allowed_label}: {allowed}.",
                code="INVALID_TRANSITION",
                field=self.field,
                thing=Name(self.thing, domain),
                state=Name.of(state),
                target=Name.of(target),
                allowed_label=Name(self.allowed, domain),
                allowed=allowed,
            )
        return state

    def closed(self) -> frozenset[State]:
        """The states with no way out."""
        return frozenset(state for state, moves in self.moves.items() if not moves)
