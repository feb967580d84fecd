"""hello: greetings table

Revision ID: hello_0001
Revises:
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "hello_0001"
down_revision = None
branch_labels = ("hello",)
depends_on = "0001_core"


def upgrade() -> None:
    op.create_table(
        "hello_greetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=100), nullable=False),
        sa.Column("street_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["building_id"], ["buildings.id"], name=op.f("fk_hello_greetings_building_id_buildings")),
        sa.ForeignKeyConstraint(["street_id"], ["streets.id"], name=op.f("fk_hello_greetings_street_id_streets"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hello_greetings")),
    )
    op.create_index(op.f("ix_hello_greetings_building_id"), "hello_greetings", ["building_id"], unique=False)
    op.create_index(op.f("ix_hello_greetings_street_id"), "hello_greetings", ["street_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_hello_greetings_street_id"), table_name="hello_greetings")
    op.drop_index(op.f("ix_hello_greetings_building_id"), table_name="hello_greetings")
    op.drop_table("hello_greetings")
