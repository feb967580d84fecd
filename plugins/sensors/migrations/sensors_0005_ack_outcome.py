"""sensors: what the person who acknowledged an alarm found (ack_outcome: REAL_DANGER,
FALSE_ALARM, VISITED, NOBODY_HOME). The new CLEARED_UNACK status needs no change: status is
String(16) and the unique index of open alarms already keeps every status but CLEARED.

2026-12-01
"""

from alembic import op
import sqlalchemy as sa

revision, down_revision = 'sensors_0005', 'sensors_0004'
branch_labels, depends_on = None, None


def upgrade() -> None:
    with op.batch_alter_table('sensor_alarms', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ack_outcome', sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('sensor_alarms', schema=None) as batch_op:
        batch_op.drop_column('ack_outcome')
