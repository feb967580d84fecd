"""A compiled statement's parameters matched to its cached form without comparing SQL.

When SQLAlchemy runs a statement whose compiled form it found in its cache, it relates the new
statement's bound values to the cached form's parameters (``SQLCompiler.construct_params``):
it builds a dict keyed by every parameter the cached form rendered for each value, the
annotated copies included. The copies of one parameter share its hash, so each insertion
after the first compares keys with ``==`` — which on a SQL element builds a
``BinaryExpression`` and ``bool()``s it (equal hashes: equal). The street criterion is one
value rendered once per street-scoped table, join and subquery of a statement: twenty times in
a resident's notice list, so forty such comparisons a request (a seventh of its time in cProfile;
without them its CPU per request fell 3.36 → 3.06 ms in ``bench/api.py``).

``install(engine)`` gives the engine's dialect a compiler that, once per compiled form, keeps
one parameter per hash in those lists. The dict built from them is the same (the copies
dropped are exactly those the dict would have merged, mapping to the same value), without the
comparisons. It relies on SQLAlchemy's private ``_cache_key_bind_match``;
``tests/test_bind_matching.py`` checks it is there and that parameters still come out right.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine


def one_per_hash(binds: list) -> list:
    """``binds`` with only the first of each group sharing a hash, in order."""
    seen: set[int] = set()
    kept = []
    for bind in binds:
        key = hash(bind)
        if key not in seen:
            seen.add(key)
            kept.append(bind)
    return kept


@lru_cache(maxsize=None)
def _matching_once(compiler_class: type) -> type:
    """``compiler_class`` with its cache-key parameter lists made one per hash after compiling."""

    class OnePerHash(compiler_class):  # type: ignore[misc, valid-type]
        def __init__(self, *args: Any, **kwargs: Any):
            super().__init__(*args, **kwargs)
            match = self._cache_key_bind_match
            if match:
                for binds in match[0].values():
                    if len(binds) > 1:
                        binds[:] = one_per_hash(binds)

    OnePerHash.__name__ = OnePerHash.__qualname__ = f"OnePerHash{compiler_class.__name__}"
    return OnePerHash


def install(engine: AsyncEngine) -> None:
    """Compile ``engine``'s statements with ``_matching_once``'s compiler (idempotent)."""
    dialect = engine.sync_engine.dialect
    base = dialect.statement_compiler
    if not base.__name__.startswith("OnePerHash"):
        dialect.statement_compiler = _matching_once(base)
