"""The kernel helpers plugins share through the façade: a state-transition table, event kinds
that differ only by name, and fetching a row of the street by id."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from enum import Enum

import pytest

from jiedao.api import DomainError, DomainEvent, registry
from jiedao.api.domain import event_kind, get_or_not_found, Transitions
from jiedao.core.events import check_event_class
from jiedao.core.testing.fixtures import build_registry


class Light(str, Enum):
    RED = "red"
    GREEN = "green"
    OFF = "off"


LIGHTS = Transitions(
    thing="light",
    field="to",
    moves={Light.RED: frozenset({Light.GREEN, Light.OFF}), Light.GREEN: frozenset({Light.RED}), Light.OFF: frozenset()},
    when_none="none (it is off)",
)


def test_a_legal_move_returns_the_current_state_and_an_illegal_one_names_the_allowed_moves():
    assert LIGHTS.check("red", Light.GREEN) is Light.RED
    with pytest.raises(DomainError) as refused:
        LIGHTS.check("green", Light.OFF)
    assert (refused.value.code, refused.value.field) == ("INVALID_TRANSITION", "to")
    assert str(refused.value) == "A light that is 'green' cannot become 'off'; allowed next states: red."
    with pytest.raises(DomainError, match=r"allowed next states: none \(it is off\)\."):
        LIGHTS.check("off", Light.RED)
    assert LIGHTS.closed() == {Light.OFF}


@dataclass(frozen=True)
class ParcelEvent(DomainEvent):
    """A parcel as it is after the change."""

    parcel_id: int


ParcelDelivered = event_kind("ParcelDelivered", ParcelEvent, "post.parcel.delivered", "The parcel reached its addressee.")


def test_an_event_kind_is_a_frozen_event_class_of_its_own_with_the_base_fields():
    event = ParcelDelivered(parcel_id=7)
    assert (ParcelDelivered.name, ParcelDelivered.__doc__) == ("post.parcel.delivered", "The parcel reached its addressee.")
    assert (ParcelDelivered.__name__, ParcelDelivered.__module__) == ("ParcelDelivered", __name__)
    assert isinstance(event, ParcelEvent) and event.fields() == {"parcel_id": 7}
    assert repr(event) == "ParcelDelivered(parcel_id=7)"
    assert event != ParcelEvent(parcel_id=7)
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.parcel_id = 8  # type: ignore[misc]
    assert check_event_class("post", ParcelDelivered) == []


async def test_a_row_of_another_street_is_not_found(kernel):
    theirs = (await build_registry(kernel, "gongchen", buildings=1))["buildings"][0]
    ours = (await build_registry(kernel, "changqing", buildings=1))["buildings"][0]
    async with kernel.db.transaction(kernel.street_id("changqing")) as session:
        assert (await get_or_not_found(session, registry.Building, ours, field="buildingId", message="no such building")).id == ours
        with pytest.raises(DomainError) as refused:
            await get_or_not_found(session, registry.Building, theirs, field="buildingId", message="no such building", for_update=True)
    assert (refused.value.code, refused.value.field, str(refused.value)) == ("NOT_FOUND", "buildingId", "no such building")
