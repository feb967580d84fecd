"""dashboard: hotspot acknowledgements

Revision ID: dashboard_0001
Revises:
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

revision = "dashboard_0001"
down_revision = None
branch_labels = ("dashboard",)
depends_on = "0001_core"


def upgrade() -> None:
    op.create_table(
        "dashboard_hotspot_acks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=150), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("street_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["building_id"], ["buildings.id"], name=op.f("fk_dashboard_hotspot_acks_building_id_buildings")),
        sa.ForeignKeyConstraint(["street_id"], ["streets.id"], name=op.f("fk_dashboard_hotspot_acks_street_id_streets"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dashboard_hotspot_acks")),
    )
    op.create_index(op.f("ix_dashboard_hotspot_acks_at"), "dashboard_hotspot_acks", ["at"], unique=False)
    op.create_index(op.f("ix_dashboard_hotspot_acks_building_id"), "dashboard_hotspot_acks", ["building_id"], unique=False)
    op.create_index(op.f("ix_dashboard_hotspot_acks_street_id"), "dashboard_hotspot_acks", ["street_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_dashboard_hotspot_acks_street_id"), table_name="dashboard_hotspot_acks")
    op.drop_index(op.f("ix_dashboard_hotspot_acks_building_id"), table_name="dashboard_hotspot_acks")
    op.drop_index(op.f("ix_dashboard_hotspot_acks_at"), table_name="dashboard_hotspot_acks")
    op.drop_table("dashboard_hotspot_acks")
