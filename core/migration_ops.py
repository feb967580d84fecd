"""Shorthands for plugin migrations: a revision states only what differs between its tables.

Every plugin table is street-scoped (``StreetScoped`` in ``jiedao.core.db``): an integer ``id``
primary key, its own columns, then ``street_id`` (foreign key to ``streets``, ``ON DELETE
RESTRICT``, indexed). ``create_street_table`` writes that frame with the names the models'
naming convention gives (``pk_<table>``, ``fk_<table>_<column>_<referred table>``,
``uq_<table>_<columns>``, ``ix_<table>_<column>``), so a revision lists only the columns, the
references, the unique column sets and the indexes of its table::

    ops.create_street_table(
        "mediation_recusals",
        ops.reference("case_id", "mediation_cases", ondelete="CASCADE"),
        ops.reference("user_id", "users"),
        ops.column("reason", sa.Text()),
        unique=[("case_id", "user_id")],
    )

The schema is the one Alembic's autogenerate writes for the same models (``tests/test_migrations``
compares models and migrations on both databases).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from alembic import op

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
"""The ``id`` type of tables that grow by millions of rows (``id_type=BIG_ID``)."""

_REFERENCE = "jiedao_references"
_INDEXED = "jiedao_indexed"


@dataclass(frozen=True)
class NamedIndex:
    """An index whose name the revision gives (several columns, or a partial or unique index)."""

    name: str
    columns: tuple[str, ...]
    unique: bool = False
    options: dict[str, Any] = field(default_factory=dict)


def column(name: str, type_: sa.types.TypeEngine, *, nullable: bool = False, index: bool = False, **options: Any) -> sa.Column:
    """A column, NOT NULL unless ``nullable``; ``index`` adds ``ix_<table>_<name>``."""
    return sa.Column(name, type_, nullable=nullable, info={_INDEXED: index}, **options)


def reference(name: str, table: str, *, nullable: bool = False, ondelete: str | None = None, index: bool = True) -> sa.Column:
    """An integer column referring to ``table.id`` (``fk_<table>_<name>_<referred>``), indexed unless told."""
    return sa.Column(name, sa.Integer(), nullable=nullable, info={_INDEXED: index, _REFERENCE: (table, ondelete)})


def index(name: str, *columns: str, unique: bool = False, where: str | None = None) -> NamedIndex:
    """An index named by the revision, over ``columns``; ``where`` makes it partial (SQL text)."""
    options = {} if where is None else {"sqlite_where": sa.text(where), "postgresql_where": sa.text(where)}
    return NamedIndex(name, columns, unique, options)


def create_street_table(
    name: str,
    *columns: sa.Column,
    unique: Sequence[Sequence[str]] = (),
    indexes: Sequence[NamedIndex] = (),
    id_type: sa.types.TypeEngine | None = None,
) -> None:
    """Create a street-scoped table: ``id``, ``columns``, ``street_id``, then its constraints and indexes."""
    street = reference("street_id", "streets", ondelete="RESTRICT")
    everything = [sa.Column("id", id_type if id_type is not None else sa.Integer(), nullable=False), *columns, street]
    references = sorted((c for c in everything if _REFERENCE in c.info), key=lambda c: c.name)
    op.create_table(
        name,
        *everything,
        *(_foreign_key(name, c) for c in references),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{name}")),
        *(sa.UniqueConstraint(*cols, name=op.f(f"uq_{name}_{'_'.join(cols)}")) for cols in unique),
    )
    single = [(op.f(f"ix_{name}_{c.name}"), (c.name,), False, {}) for c in everything if c.info.get(_INDEXED)]
    named = [(ix.name, ix.columns, ix.unique, ix.options) for ix in indexes]
    for ix_name, ix_columns, ix_unique, options in sorted(single + named, key=lambda ix: ix[0]):
        op.create_index(ix_name, name, list(ix_columns), unique=ix_unique, **options)


def _foreign_key(table: str, column_: sa.Column) -> sa.ForeignKeyConstraint:
    referred, ondelete = column_.info[_REFERENCE]
    return sa.ForeignKeyConstraint(
        [column_.name], [f"{referred}.id"], name=op.f(f"fk_{table}_{column_.name}_{referred}"), ondelete=ondelete
    )


def drop_tables(*names: str) -> None:
    """Drop tables in the order given (dependants first); their indexes go with them."""
    for name in names:
        op.drop_table(name)
