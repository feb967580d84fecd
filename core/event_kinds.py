"""Events that differ only by name: one base dataclass carries the fields, each kind a name.

``AlarmRaised = event_kind("AlarmRaised", AlarmEvent, "sensors.alarm.raised", "A new alarm ...")``
declares a frozen ``DomainEvent`` dataclass like a ``class`` statement would, with the base's
fields and methods, its own ``name`` and docstring (the event catalogue prints both).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from jiedao.core.events import DomainEvent

Event = TypeVar("Event", bound=DomainEvent)


def event_kind(class_name: str, base: type[Event], name: str, doc: str) -> type[Event]:
    """A subclass of ``base`` called ``class_name`` for the event ``name``, documented by ``doc``."""
    namespace = {"name": name, "__doc__": doc, "__module__": base.__module__, "__qualname__": class_name}
    return dataclass(frozen=True)(type(class_name, (base,), namespace))
