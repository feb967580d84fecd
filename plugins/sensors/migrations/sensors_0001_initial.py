"""sensors devices readings alarms quarantine (2026-11-28)."""

import sqlalchemy as sa

from jiedao.api.migrations import migration_ops as ops

revision, down_revision = 'sensors_0001', None
branch_labels, depends_on = ('sensors',), '0001_core'


def upgrade() -> None:
    ops.create_street_table(
        'sensor_quarantine',
        ops.column('received_at', sa.DateTime(timezone=True), index=True),
        ops.column('topic', sa.String(300)),
        ops.column('device_id', sa.String(64)),
        ops.column('reason', sa.String(32), index=True),
        ops.column('detail', sa.String(500)),
        ops.column('payload', sa.Text()),
        id_type=ops.BIG_ID,
    )

    ops.create_street_table(
        'sensor_devices',
        ops.column('device_id', sa.String(64)),
        ops.column('kind', sa.String(32), index=True),
        ops.column('name', sa.String(200)),
        ops.reference('building_id', 'buildings', nullable=True),
        ops.reference('unit_id', 'units', nullable=True),
        ops.reference('resident_id', 'residents', nullable=True),
        ops.column('status', sa.String(16), index=True),
        ops.column('last_seen_at', sa.DateTime(timezone=True), nullable=True),
        ops.column('latest', sa.JSON()),
        ops.column('latest_at', sa.DateTime(timezone=True), nullable=True),
        unique=[('street_id', 'device_id')],
    )

    ops.create_street_table(
        'sensor_alarms',
        ops.reference('device_pk', 'sensor_devices', ondelete='CASCADE'),
        ops.reference('building_id', 'buildings', nullable=True),
        ops.column('type', sa.String(32)),
        ops.column('severity', sa.String(16)),
        ops.column('status', sa.String(16)),
        ops.column('value', sa.Float(), nullable=True),
        ops.column('message', sa.String(300)),
        ops.column('raised_at', sa.DateTime(timezone=True)),
        ops.column('updated_at', sa.DateTime(timezone=True)),
        ops.column('repeat_count', sa.Integer()),
        ops.column('escalation_level', sa.Integer()),
        ops.column('acknowledged_at', sa.DateTime(timezone=True), nullable=True),
        ops.column('acknowledged_by', sa.String(100), nullable=True),
        ops.column('cleared_at', sa.DateTime(timezone=True), nullable=True),
        ops.column('cleared_by', sa.String(100), nullable=True),
        ops.column('note', sa.Text()),
        indexes=[
            ops.index('ix_sensor_alarms_status_severity', 'status', 'severity'),
            ops.index('uq_sensor_alarms_open', 'device_pk', 'type', unique=True, where="status <> 'CLEARED'"),
        ],
    )

    ops.create_street_table(
        'sensor_readings',
        ops.reference('device_pk', 'sensor_devices', ondelete='CASCADE', index=False),
        ops.column('ts', sa.DateTime(timezone=True)),
        ops.column('key', sa.String(64)),
        ops.column('value', sa.Float()),
        unique=[('device_pk', 'ts', 'key')],
        indexes=[ops.index('ix_sensor_readings_device_ts', 'device_pk', 'ts')],
        id_type=ops.BIG_ID,
    )


def downgrade() -> None:
    ops.drop_tables('sensor_readings', 'sensor_alarms', 'sensor_devices', 'sensor_quarantine')
