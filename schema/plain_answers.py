"""A plain selection's answer as one Python function, written for its shape.

``schema.plain_execution`` answers an object whose selected fields are all plain by reading
each field's getter. Looping over the plan for every row of a list costs, per field, the
loop step, the entry's kind test and four attribute reads before the getter is even called;
on a page of 100 buildings with their 1,574 units that loop was the largest part of the
request. ``answer_function`` instead writes, once per *shape* of selection (the response
names and what kind of field each is), a function that reads the fields one after the
other into a dict display, and binds it to the request's getters:

    def answer(item):
        try:
            v0 = g0(item)                      # id
            v1 = g1(item)                      # number
        except Exception:
            return None
        if v0.__class__ is not p0:             # not a str: graphql-core's serialisation
            v0 = s0(v0)
            if v0 is FALLBACK:
                return None
        ...
        v2 = f2(item)                          # owners: a nested plain list
        if v2 is FALLBACK:
            return None
        return {'id': v0, 'number': v1, 'owners': v2}

It answers exactly what the loop answered (``None`` where a field needs graphql-core's own
path; ``tests/test_plain_execution.py`` compares every case with graphql-core's executor).
Only response names (GraphQL names, written with ``repr``) and slot numbers enter the
source; everything else is a bound argument. Shapes are few per front end: the written
functions are kept (an LRU of ``SHAPES``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

LEAF, VALUE, CONSTANT = "leaf", "value", "constant"

SHAPES = 1024
"""Shapes whose written function is kept."""


@dataclass(frozen=True)
class Slot:
    """One response field of a plain selection.

    ``LEAF``: ``getter(item)`` then, unless the value is of class ``passthrough`` (or, when
    ``numeric`` is given, of that class within ``low``..``high``), ``slow(value)``, which
    returns the answer or the fallback marker. ``VALUE``: ``value(item)`` returns the answer
    or the fallback marker (a nested plain list or object). ``CONSTANT``: ``value`` is the
    answer (``__typename``)."""

    name: str
    kind: str
    getter: Any = None
    passthrough: Any = None
    slow: Any = None
    numeric: Any = None
    low: Any = 0
    high: Any = 0
    value: Any = None


def answer_function(slots: Sequence[Slot], fallback: object) -> Callable[[Any], dict[str, Any] | None]:
    """``item -> dict`` answering ``slots`` on ``item``, or ``None`` when one slot gave
    ``fallback`` or a getter raised."""
    shape = tuple((slot.name, slot.kind, slot.numeric is not None) for slot in slots)
    arguments: list[Any] = [fallback]
    for slot in slots:
        if slot.kind == LEAF:
            arguments += [slot.getter, slot.passthrough, slot.slow]
            if slot.numeric is not None:
                arguments += [slot.numeric, slot.low, slot.high]
        else:
            arguments.append(slot.value)
    return _writer(shape)(*arguments)


@lru_cache(maxsize=SHAPES)
def _writer(shape: tuple[tuple[str, str, bool], ...]) -> Callable[..., Callable[[Any], dict[str, Any] | None]]:
    """The function binding a shape's answer function to its arguments (see the module's
    docstring for what it writes)."""
    parameters = ["FALLBACK"]
    reads, checks, values, fields = [], [], [], []
    for i, (name, kind, numeric) in enumerate(shape):
        if kind == LEAF:
            parameters += [f"g{i}", f"p{i}", f"s{i}"]
            reads.append(f"            v{i} = g{i}(item)")
            test = f"v{i}.__class__ is not p{i}"
            if numeric:
                parameters += [f"n{i}", f"lo{i}", f"hi{i}"]
                test += f" and not (v{i}.__class__ is n{i} and lo{i} <= v{i} <= hi{i})"
            checks += [f"        if {test}:", f"            v{i} = s{i}(v{i})", f"            if v{i} is FALLBACK:", "                return None"]
        elif kind == VALUE:
            parameters.append(f"f{i}")
            values += [f"        v{i} = f{i}(item)", f"        if v{i} is FALLBACK:", "            return None"]
        else:
            parameters.append(f"v{i}")
        fields.append(f"{name!r}: v{i}")
    body = []
    if reads:
        body += ["        try:", *reads, "        except Exception:", "            return None", *checks]
    body += values
    source = "\n".join([f"def bind({', '.join(parameters)}):", "    def answer(item):", *body, f"        return {{{', '.join(fields)}}}", "    return answer"])
    namespace: dict[str, Any] = {}
    # Its own file name per shape: profiles and tracebacks tell the shapes apart.
    exec(compile(source, f"<plain answer {'/'.join(name for name, _, _ in shape)}>", "exec"), namespace)  # noqa: S102 - names and slot numbers only, see above
    return namespace["bind"]
