"""sensors hourly roll-ups of readings; index on reading time for retention (2026-11-28)."""

from alembic import op
import sqlalchemy as sa

from jiedao.api.migrations import migration_ops as ops

revision, down_revision = 'sensors_0002', 'sensors_0001'
branch_labels, depends_on = None, None


def upgrade() -> None:
    ops.create_street_table(
        'sensor_readings_hourly',
        ops.reference('device_pk', 'sensor_devices', ondelete='CASCADE', index=False),
        ops.column('hour', sa.DateTime(timezone=True)),
        ops.column('key', sa.String(64)),
        ops.column('count', sa.Integer()),
        ops.column('min', sa.Float()),
        ops.column('max', sa.Float()),
        ops.column('sum', sa.Float()),
        ops.column('sealed', sa.Boolean()),
        unique=[('device_pk', 'hour', 'key')],
        indexes=[ops.index('ix_sensor_readings_hourly_hour', 'hour')],
        id_type=ops.BIG_ID,
    )
    op.create_index('ix_sensor_readings_ts', 'sensor_readings', ['ts'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_sensor_readings_ts', table_name='sensor_readings')
    ops.drop_tables('sensor_readings_hourly')
