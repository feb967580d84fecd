"""sensors: conditions waiting out their hold time on the device row; drop the reading
index that the (device, ts, key) unique index already covers; leave room on the device
table's pages (fillfactor 50) so that ingestion's per-batch updates stay HOT updates

2026-11-28
"""

from alembic import op
import sqlalchemy as sa

revision, down_revision = 'sensors_0003', 'sensors_0002'
branch_labels, depends_on = None, None


def upgrade() -> None:
    with op.batch_alter_table('sensor_devices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pending', sa.JSON(), server_default='{}', nullable=False))
    with op.batch_alter_table('sensor_readings', schema=None) as batch_op:
        batch_op.drop_index('ix_sensor_readings_device_ts')
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE sensor_devices SET (fillfactor = 50)')


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('ALTER TABLE sensor_devices RESET (fillfactor)')
    with op.batch_alter_table('sensor_readings', schema=None) as batch_op:
        batch_op.create_index('ix_sensor_readings_device_ts', ['device_pk', 'ts'], unique=False)
    with op.batch_alter_table('sensor_devices', schema=None) as batch_op:
        batch_op.drop_column('pending')
