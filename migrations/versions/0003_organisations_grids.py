"""organisations, their members and areas; grids and grid workers; a resident's party membership

Revision ID: 0003_organisations_grids
Revises: 0002_login_counters
Create Date: 2026-12-01 19:44:58.018373
"""

from alembic import op
import sqlalchemy as sa


revision = '0003_organisations_grids'
down_revision = '0002_login_counters'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('grids',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=100), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('community_id', sa.Integer(), nullable=False),
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_grids_community_id_communities')),
    sa.ForeignKeyConstraint(['street_id'], ['streets.id'], name=op.f('fk_grids_street_id_streets'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grids')),
    sa.UniqueConstraint('street_id', 'code', name=op.f('uq_grids_street_id_code'))
    )
    with op.batch_alter_table('grids', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grids_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_grids_street_id'), ['street_id'], unique=False)

    op.create_table('organisations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.Enum('RESIDENTS_COMMITTEE', 'OWNERS_COMMITTEE', 'PROPERTY_MANAGER', 'PARTY_ORGANISATION', 'DEPARTMENT', 'VOLUNTEER_TEAM', name='organisationkind', native_enum=False, length=30), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('community_id', sa.Integer(), nullable=True),
    sa.Column('compound_id', sa.Integer(), nullable=True),
    sa.Column('party_level', sa.Enum('COMMITTEE', 'GENERAL_BRANCH', 'BRANCH', 'BUILDING_BRANCH', name='partylevel', native_enum=False, length=30), nullable=True),
    sa.Column('term_start', sa.Date(), nullable=True),
    sa.Column('term_end', sa.Date(), nullable=True),
    sa.Column('filed_on', sa.Date(), nullable=True),
    sa.Column('phone', sa.String(length=30), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), server_default=sa.text('(CURRENT_TIMESTAMP)'), nullable=False),
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['community_id'], ['communities.id'], name=op.f('fk_organisations_community_id_communities')),
    sa.ForeignKeyConstraint(['compound_id'], ['compounds.id'], name=op.f('fk_organisations_compound_id_compounds')),
    sa.ForeignKeyConstraint(['parent_id'], ['organisations.id'], name=op.f('fk_organisations_parent_id_organisations')),
    sa.ForeignKeyConstraint(['street_id'], ['streets.id'], name=op.f('fk_organisations_street_id_streets'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisations')),
    sa.UniqueConstraint('street_id', 'code', name=op.f('uq_organisations_street_id_code'))
    )
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisations_community_id'), ['community_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_organisations_compound_id'), ['compound_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_organisations_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_organisations_street_id'), ['street_id'], unique=False)

    op.create_table('organisation_buildings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('building_id', sa.Integer(), nullable=False),
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['building_id'], ['buildings.id'], name=op.f('fk_organisation_buildings_building_id_buildings')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_organisation_buildings_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['street_id'], ['streets.id'], name=op.f('fk_organisation_buildings_street_id_streets'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_buildings')),
    sa.UniqueConstraint('organisation_id', 'building_id', name=op.f('uq_organisation_buildings_organisation_id_building_id'))
    )
    with op.batch_alter_table('organisation_buildings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_buildings_building_id'), ['building_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_organisation_buildings_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_organisation_buildings_street_id'), ['street_id'], unique=False)

    op.create_table('organisation_compounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('compound_id', sa.Integer(), nullable=False),
    sa.Column('contract_start', sa.Date(), nullable=True),
    sa.Column('contract_end', sa.Date(), nullable=True),
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['compound_id'], ['compounds.id'], name=op.f('fk_organisation_compounds_compound_id_compounds')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_organisation_compounds_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['street_id'], ['streets.id'], name=op.f('fk_organisation_compounds_street_id_streets'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organisation_compounds')),
    sa.UniqueConstraint('organisation_id', 'compound_id', name=op.f('uq_organisation_compounds_organisation_id_compound_id'))
    )
    with op.batch_alter_table('organisation_compounds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organisation_compounds_compound_id'), ['compound_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_organisation_compounds_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_organisation_compounds_street_id'), ['street_id'], unique=False)

    op.create_table('grid_workers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['grid_id'], ['grids.id'], name=op.f('fk_grid_workers_grid_id_grids'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['street_id'], ['streets.id'], name=op.f('fk_grid_workers_street_id_streets'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_grid_workers_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_grid_workers')),
    sa.UniqueConstraint('grid_id', 'user_id', name=op.f('uq_grid_workers_grid_id_user_id'))
    )
    with op.batch_alter_table('grid_workers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_grid_workers_grid_id'), ['grid_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_grid_workers_street_id'), ['street_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_grid_workers_user_id'), ['user_id'], unique=False)

    op.create_table('memberships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('resident_id', sa.Integer(), nullable=True),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('office', sa.String(length=50), nullable=False),
    sa.Column('role', sa.String(length=50), nullable=True),
    sa.Column('started_on', sa.Date(), nullable=True),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('street_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisations.id'], name=op.f('fk_memberships_organisation_id_organisations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['resident_id'], ['residents.id'], name=op.f('fk_memberships_resident_id_residents')),
    sa.ForeignKeyConstraint(['street_id'], ['streets.id'], name=op.f('fk_memberships_street_id_streets'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_memberships_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_memberships')),
    sa.UniqueConstraint('organisation_id', 'resident_id', 'user_id', name=op.f('uq_memberships_organisation_id_resident_id_user_id'))
    )
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_memberships_organisation_id'), ['organisation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_memberships_resident_id'), ['resident_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_memberships_street_id'), ['street_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_memberships_user_id'), ['user_id'], unique=False)

    with op.batch_alter_table('buildings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('grid_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_buildings_grid_id'), ['grid_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_buildings_grid_id_grids'), 'grids', ['grid_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.add_column(sa.Column('party_member', sa.Boolean(), server_default=sa.false(), nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('residents', schema=None) as batch_op:
        batch_op.drop_column('party_member')

    with op.batch_alter_table('buildings', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_buildings_grid_id_grids'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_buildings_grid_id'))
        batch_op.drop_column('grid_id')

    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_memberships_user_id'))
        batch_op.drop_index(batch_op.f('ix_memberships_street_id'))
        batch_op.drop_index(batch_op.f('ix_memberships_resident_id'))
        batch_op.drop_index(batch_op.f('ix_memberships_organisation_id'))

    op.drop_table('memberships')
    with op.batch_alter_table('grid_workers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grid_workers_user_id'))
        batch_op.drop_index(batch_op.f('ix_grid_workers_street_id'))
        batch_op.drop_index(batch_op.f('ix_grid_workers_grid_id'))

    op.drop_table('grid_workers')
    with op.batch_alter_table('organisation_compounds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_compounds_street_id'))
        batch_op.drop_index(batch_op.f('ix_organisation_compounds_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_organisation_compounds_compound_id'))

    op.drop_table('organisation_compounds')
    with op.batch_alter_table('organisation_buildings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisation_buildings_street_id'))
        batch_op.drop_index(batch_op.f('ix_organisation_buildings_organisation_id'))
        batch_op.drop_index(batch_op.f('ix_organisation_buildings_building_id'))

    op.drop_table('organisation_buildings')
    with op.batch_alter_table('organisations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organisations_street_id'))
        batch_op.drop_index(batch_op.f('ix_organisations_parent_id'))
        batch_op.drop_index(batch_op.f('ix_organisations_compound_id'))
        batch_op.drop_index(batch_op.f('ix_organisations_community_id'))

    op.drop_table('organisations')
    with op.batch_alter_table('grids', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_grids_street_id'))
        batch_op.drop_index(batch_op.f('ix_grids_community_id'))

    op.drop_table('grids')
