"""maintenance fund (住宅专项维修资金) accounts, ledger and uses; ballots over stairwells (单元)

Revision ID: deliberation_0004
Revises: deliberation_0003
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

from jiedao.api.migrations import migration_ops as ops

revision, down_revision = 'deliberation_0004', 'deliberation_0003'
branch_labels, depends_on = None, '0008_stairwells_and_care'


def upgrade() -> None:
    ops.create_street_table(
        'deliberation_ballot_stairwells',
        ops.reference('ballot_id', 'deliberation_ballots', ondelete='CASCADE'),
        ops.reference('building_id', 'buildings', index=False),
        ops.column('stairwell', sa.String(20)),
        unique=[('ballot_id', 'building_id', 'stairwell')],
    )
    ops.create_street_table(
        'deliberation_fund_accounts',
        ops.column('name', sa.String(200)),
        ops.reference('compound_id', 'compounds'),
        ops.reference('building_id', 'buildings', nullable=True),
        sa.Column('balance_fen', sa.BigInteger(), sa.CheckConstraint('balance_fen >= 0', name=op.f('ck_deliberation_fund_accounts_balance_not_negative')), nullable=False),
        ops.column('created_at', sa.DateTime(timezone=True)),
    )
    ops.create_street_table(
        'deliberation_fund_uses',
        ops.reference('account_id', 'deliberation_fund_accounts'),
        ops.column('purpose', sa.Text()),
        sa.Column('amount_fen', sa.BigInteger(), sa.CheckConstraint('amount_fen > 0', name=op.f('ck_deliberation_fund_uses_amount_positive')), nullable=False),
        ops.column('status', sa.String(12)),
        ops.column('alteration', sa.Boolean(), server_default=sa.false()),
        ops.reference('ballot_id', 'deliberation_ballots', nullable=True, index=False),
        ops.column('emergency', sa.String(20), nullable=True),
        ops.column('reason', sa.Text(), nullable=True),
        ops.reference('notice_id', 'notices', nullable=True, index=False),
        ops.column('requested_by', sa.String(100)),
        ops.reference('requested_by_id', 'users', nullable=True, index=False),
        ops.column('requested_at', sa.DateTime(timezone=True)),
        ops.column('authorised_at', sa.DateTime(timezone=True), nullable=True),
        ops.column('disbursed_at', sa.DateTime(timezone=True), nullable=True),
        unique=[('ballot_id',)],
    )
    ops.create_street_table(
        'deliberation_fund_use_bearers',
        ops.reference('use_id', 'deliberation_fund_uses', ondelete='CASCADE'),
        ops.reference('building_id', 'buildings', index=False),
        ops.column('stairwell', sa.String(20), nullable=True),
    )
    ops.create_street_table(
        'deliberation_fund_entries',
        ops.reference('account_id', 'deliberation_fund_accounts'),
        ops.column('kind', sa.String(20)),
        ops.column('amount_fen', sa.BigInteger()),
        sa.Column('balance_after_fen', sa.BigInteger(), sa.CheckConstraint('balance_after_fen >= 0', name=op.f('ck_deliberation_fund_entries_balance_after_not_negative')), nullable=False),
        ops.column('note', sa.Text()),
        ops.reference('use_id', 'deliberation_fund_uses', nullable=True),
        ops.column('actor', sa.String(100)),
        ops.reference('actor_id', 'users', nullable=True, index=False),
        ops.column('at', sa.DateTime(timezone=True)),
    )


def downgrade() -> None:
    ops.drop_tables(
        'deliberation_fund_entries', 'deliberation_fund_use_bearers', 'deliberation_fund_uses', 'deliberation_fund_accounts',
        'deliberation_ballot_stairwells',
    )
