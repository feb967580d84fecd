"""street-first indexes on the registry

Revision ID: 0010_street_first_indexes
Revises: 0009_building_locations
Create Date: 2026-12-04 17:10:00

Indexes led by ``street_id`` on the registry's tables (``core.models.street_first``): a
street's rows by key, and a row's children in key order. With them PostgreSQL plans the
compiled registry reads the same before and after the tables are analyzed (without them, a
unit's owners were read by scanning the street's residents until the first ANALYZE).
"""

from alembic import op


revision = '0010_street_first_indexes'
down_revision = '0009_building_locations'
branch_labels = None
depends_on = None

INDEXES = [
    ("communities", ["id"], True),
    ("compounds", ["id"], True),
    ("compounds", ["community_id", "id"], False),
    ("buildings", ["id"], True),
    ("buildings", ["compound_id", "id"], False),
    ("units", ["id"], True),
    ("units", ["building_id", "id"], False),
    ("residents", ["id"], True),
    ("ownerships", ["unit_id", "resident_id"], False),
]


def _name(table: str, columns: list[str]) -> str:
    return "_".join(["ix", table, "street_first", *columns])


def upgrade() -> None:
    for table, columns, unique in INDEXES:
        op.create_index(_name(table, columns), table, ["street_id", *columns], unique=unique)


def downgrade() -> None:
    for table, columns, _unique in reversed(INDEXES):
        op.drop_index(_name(table, columns), table_name=table)
