"""sensors: installations — a device at a building's stairwell (单元) or floor (a meter box)
serving a set of units (sensor_device_units); comments on alarms (sensor_alarm_comments); the
structured outcome of an alarm closed by hand (sensor_alarms.outcome).

2026-12-02
"""

from alembic import op
import sqlalchemy as sa


revision = 'sensors_0006'
down_revision = 'sensors_0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sensor_device_units',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('device_pk', sa.Integer(), nullable=False),
    sa.Column('unit_id', sa.Integer(), nullable=False),
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['device_pk'], ['sensor_devices.id'], name=op.f('fk_sensor_device_units_device_pk_sensor_devices'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['street_id'], ['streets.id'], name=op.f('fk_sensor_device_units_street_id_streets'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_sensor_device_units_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sensor_device_units')),
    sa.UniqueConstraint('device_pk', 'unit_id', name=op.f('uq_sensor_device_units_device_pk_unit_id'))
    )
    with op.batch_alter_table('sensor_device_units', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sensor_device_units_street_id'), ['street_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sensor_device_units_unit_id'), ['unit_id'], unique=False)

    op.create_table('sensor_alarm_comments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alarm_id', sa.Integer(), nullable=False),
    sa.Column('author', sa.String(length=100), nullable=False),
    sa.Column('author_user_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['alarm_id'], ['sensor_alarms.id'], name=op.f('fk_sensor_alarm_comments_alarm_id_sensor_alarms'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['author_user_id'], ['users.id'], name=op.f('fk_sensor_alarm_comments_author_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['street_id'], ['streets.id'], name=op.f('fk_sensor_alarm_comments_street_id_streets'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sensor_alarm_comments'))
    )
    with op.batch_alter_table('sensor_alarm_comments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sensor_alarm_comments_alarm_id'), ['alarm_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sensor_alarm_comments_street_id'), ['street_id'], unique=False)

    with op.batch_alter_table('sensor_alarms', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outcome', sa.String(length=30), nullable=True))

    with op.batch_alter_table('sensor_devices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('stairwell', sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column('floor', sa.Integer(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('sensor_devices', schema=None) as batch_op:
        batch_op.drop_column('floor')
        batch_op.drop_column('stairwell')

    with op.batch_alter_table('sensor_alarms', schema=None) as batch_op:
        batch_op.drop_column('outcome')

    with op.batch_alter_table('sensor_alarm_comments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sensor_alarm_comments_street_id'))
        batch_op.drop_index(batch_op.f('ix_sensor_alarm_comments_alarm_id'))

    op.drop_table('sensor_alarm_comments')
    with op.batch_alter_table('sensor_device_units', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sensor_device_units_unit_id'))
        batch_op.drop_index(batch_op.f('ix_sensor_device_units_street_id'))

    op.drop_table('sensor_device_units')
