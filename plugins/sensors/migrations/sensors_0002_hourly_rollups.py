"""sensors hourly roll-ups of readings; index on reading time for retention

Revision ID: sensors_0002
Revises: sensors_0001
Create Date: 2026-11-28
"""

from alembic import op
import sqlalchemy as sa


revision = 'sensors_0002'
down_revision = 'sensors_0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sensor_readings_hourly',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('device_pk', sa.Integer(), nullable=False),
    sa.Column('hour', sa.DateTime(timezone=True), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.Column('min', sa.Float(), nullable=False),
    sa.Column('max', sa.Float(), nullable=False),
    sa.Column('sum', sa.Float(), nullable=False),
    sa.Column('sealed', sa.Boolean(), nullable=False),
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['device_pk'], ['sensor_devices.id'], name=op.f('fk_sensor_readings_hourly_device_pk_sensor_devices'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['street_id'], ['streets.id'], name=op.f('fk_sensor_readings_hourly_street_id_streets'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sensor_readings_hourly')),
    sa.UniqueConstraint('device_pk', 'hour', 'key', name=op.f('uq_sensor_readings_hourly_device_pk_hour_key'))
    )
    with op.batch_alter_table('sensor_readings_hourly', schema=None) as batch_op:
        batch_op.create_index('ix_sensor_readings_hourly_hour', ['hour'], unique=False)
        batch_op.create_index(batch_op.f('ix_sensor_readings_hourly_street_id'), ['street_id'], unique=False)

    with op.batch_alter_table('sensor_readings', schema=None) as batch_op:
        batch_op.create_index('ix_sensor_readings_ts', ['ts'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('sensor_readings', schema=None) as batch_op:
        batch_op.drop_index('ix_sensor_readings_ts')

    with op.batch_alter_table('sensor_readings_hourly', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sensor_readings_hourly_street_id'))
        batch_op.drop_index('ix_sensor_readings_hourly_hour')

    op.drop_table('sensor_readings_hourly')
