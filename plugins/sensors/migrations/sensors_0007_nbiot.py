"""sensors: NB-IoT platform messages already taken in (sensor_push_deliveries), so that a
platform's retry of a push stores nothing twice.

2026-12-02
"""

import sqlalchemy as sa

from jiedao.api.migrations import migration_ops as ops

revision, down_revision = 'sensors_0007', 'sensors_0006'
branch_labels, depends_on = None, None


def upgrade() -> None:
    ops.create_street_table(
        'sensor_push_deliveries',
        ops.column('message_key', sa.String(64)),
        ops.column('received_at', sa.DateTime(timezone=True), index=True),
        unique=[('street_id', 'message_key')],
        id_type=ops.BIG_ID,
    )


def downgrade() -> None:
    ops.drop_tables('sensor_push_deliveries')
