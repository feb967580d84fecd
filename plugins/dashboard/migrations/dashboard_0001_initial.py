"""dashboard: hotspot acknowledgements (2026-11-28)."""

import sqlalchemy as sa

from jiedao.api.migrations import migration_ops as ops

revision, down_revision = "dashboard_0001", None
branch_labels, depends_on = ("dashboard",), "0001_core"


def upgrade() -> None:
    ops.create_street_table(
        "dashboard_hotspot_acks",
        ops.reference("building_id", "buildings"),
        ops.column("at", sa.DateTime(timezone=True), index=True),
        ops.column("actor", sa.String(150)),
        ops.column("note", sa.Text()),
    )


def downgrade() -> None:
    ops.drop_tables("dashboard_hotspot_acks")
