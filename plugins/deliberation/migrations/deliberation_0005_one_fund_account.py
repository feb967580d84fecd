"""one maintenance-fund account per compound and per building, enforced by the database

``open_account`` refused a second account, but two opened at the same moment both passed its
check. Partial unique indexes now refuse the second (the mutation answers CONFLICT). A
database that already holds such a pair is not changed: the upgrade stops and names the
accounts, whose ledgers a person has to merge first.

Revision ID: deliberation_0005
Revises: deliberation_0004
Create Date: 2026-12-04
"""

import sqlalchemy as sa
from alembic import op

revision, down_revision = 'deliberation_0005', 'deliberation_0004'
branch_labels, depends_on = None, None

DUPLICATES = """
SELECT compound_id, building_id, MIN(id), MAX(id) FROM deliberation_fund_accounts
GROUP BY compound_id, building_id HAVING COUNT(*) > 1
"""


def upgrade() -> None:
    twins = op.get_bind().execute(sa.text(DUPLICATES)).all()
    if twins:
        listed = "; ".join(f"compound {c}" + (f" building {b}" if b is not None else "") + f": accounts {low} and {high}" for c, b, low, high in twins)
        raise RuntimeError(f"Two fund accounts for the same compound or building ({listed}); merge their ledgers, then upgrade again.")
    op.create_index('uq_deliberation_fund_accounts_compound', 'deliberation_fund_accounts', ['compound_id'], unique=True,
                    sqlite_where=sa.text('building_id IS NULL'), postgresql_where=sa.text('building_id IS NULL'))
    op.create_index('uq_deliberation_fund_accounts_building', 'deliberation_fund_accounts', ['building_id'], unique=True,
                    sqlite_where=sa.text('building_id IS NOT NULL'), postgresql_where=sa.text('building_id IS NOT NULL'))


def downgrade() -> None:
    op.drop_index('uq_deliberation_fund_accounts_building', 'deliberation_fund_accounts')
    op.drop_index('uq_deliberation_fund_accounts_compound', 'deliberation_fund_accounts')
