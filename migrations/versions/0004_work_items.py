"""work items and their timelines

Revision ID: 0004_work_items
Revises: 0003_organisations_grids
Create Date: 2026-12-01 19:49:49.103060
"""

from alembic import op
import sqlalchemy as sa


revision = '0004_work_items'
down_revision = '0003_organisations_grids'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('work_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('category', sa.String(length=50), nullable=False),
    sa.Column('source', sa.String(length=30), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=True),
    sa.Column('unit_id', sa.Integer(), nullable=True),
    sa.Column('raised_by_id', sa.Integer(), nullable=True),
    sa.Column('assignee_org_id', sa.Integer(), nullable=True),
    sa.Column('assignee_user_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('due_approximate', sa.Boolean(), server_default=sa.false(), nullable=False),
    sa.Column('escalation_level', sa.Integer(), nullable=False),
    sa.Column('escalated_on', sa.Date(), nullable=True),
    sa.Column('reopen_count', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=30), nullable=True),
    sa.Column('outcome_note', sa.Text(), nullable=False),
    sa.Column('rating', sa.String(length=30), nullable=True),
    sa.Column('rating_reason', sa.Text(), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['assignee_org_id'], ['organisations.id'], name=op.f('fk_work_items_assignee_org_id_organisations')),
    sa.ForeignKeyConstraint(['assignee_user_id'], ['users.id'], name=op.f('fk_work_items_assignee_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['building_id'], ['buildings.id'], name=op.f('fk_work_items_building_id_buildings')),
    sa.ForeignKeyConstraint(['raised_by_id'], ['residents.id'], name=op.f('fk_work_items_raised_by_id_residents')),
    sa.ForeignKeyConstraint(['street_id'], ['streets.id'], name=op.f('fk_work_items_street_id_streets'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['unit_id'], ['units.id'], name=op.f('fk_work_items_unit_id_units')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_items'))
    )
    with op.batch_alter_table('work_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_items_assignee_org_id'), ['assignee_org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_items_assignee_user_id'), ['assignee_user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_items_building_id'), ['building_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_items_category'), ['category'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_items_due_at'), ['due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_items_raised_by_id'), ['raised_by_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_items_state'), ['state'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_items_street_id'), ['street_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_items_subject'), ['subject'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_items_unit_id'), ['unit_id'], unique=False)

    op.create_table('work_item_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('work_item_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=100), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('from_state', sa.String(length=20), nullable=True),
    sa.Column('to_state', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_work_item_steps_actor_id_users')),
    sa.ForeignKeyConstraint(['street_id'], ['streets.id'], name=op.f('fk_work_item_steps_street_id_streets'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['work_item_id'], ['work_items.id'], name=op.f('fk_work_item_steps_work_item_id_work_items')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_work_item_steps'))
    )
    with op.batch_alter_table('work_item_steps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_work_item_steps_street_id'), ['street_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_work_item_steps_work_item_id'), ['work_item_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('work_item_steps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_work_item_steps_work_item_id'))
        batch_op.drop_index(batch_op.f('ix_work_item_steps_street_id'))

    op.drop_table('work_item_steps')
    with op.batch_alter_table('work_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_work_items_unit_id'))
        batch_op.drop_index(batch_op.f('ix_work_items_subject'))
        batch_op.drop_index(batch_op.f('ix_work_items_street_id'))
        batch_op.drop_index(batch_op.f('ix_work_items_state'))
        batch_op.drop_index(batch_op.f('ix_work_items_raised_by_id'))
        batch_op.drop_index(batch_op.f('ix_work_items_due_at'))
        batch_op.drop_index(batch_op.f('ix_work_items_category'))
        batch_op.drop_index(batch_op.f('ix_work_items_building_id'))
        batch_op.drop_index(batch_op.f('ix_work_items_assignee_user_id'))
        batch_op.drop_index(batch_op.f('ix_work_items_assignee_org_id'))

    op.drop_table('work_items')
