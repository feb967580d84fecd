"""log-in counters and known addresses replace the log of failures

Revision ID: 0002_login_counters
Revises: 0001_core
Create Date: 2026-12-01 17:00:00.000000
"""

from alembic import op
import sqlalchemy as sa


revision = '0002_login_counters'
down_revision = '0001_core'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('login_counters',
    sa.Column('key', sa.String(length=300), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_login_counters'))
    )
    with op.batch_alter_table('login_counters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_counters_last_at'), ['last_at'], unique=False)

    op.create_table('login_known_addresses',
    sa.Column('username', sa.String(length=100), nullable=False),
    sa.Column('address', sa.String(length=100), nullable=False),
    sa.Column('last_success_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('username', 'address', name=op.f('pk_login_known_addresses'))
    )
    with op.batch_alter_table('login_known_addresses', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_known_addresses_last_success_at'), ['last_success_at'], unique=False)

    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.drop_index('ix_login_failures_key_at')
    op.drop_table('login_failures')


def downgrade() -> None:
    op.create_table('login_failures',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_failures'))
    )
    with op.batch_alter_table('login_failures', schema=None) as batch_op:
        batch_op.create_index('ix_login_failures_key_at', ['key', 'at'], unique=False)

    with op.batch_alter_table('login_known_addresses', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_known_addresses_last_success_at'))
    op.drop_table('login_known_addresses')
    with op.batch_alter_table('login_counters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_counters_last_at'))
    op.drop_table('login_counters')
