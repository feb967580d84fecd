"""mediation: each committee's yearly register of cases (人民调解案件登记): a case's number
in it (register_committee_id, register_year, register_number) and the registers' counters
(mediation_case_registers). Documents printed the case's id as its number.

Existing cases are numbered in each street by the committee their studio has now (the street's
own register without one) and the year in China they were opened, in the order they were
opened; the counters continue from there.

Revision ID: mediation_0003
Revises: mediation_0002
Create Date: 2026-12-04
"""

from collections import defaultdict
from datetime import datetime, timedelta, timezone

from alembic import op
import sqlalchemy as sa

from jiedao.api.migrations import migration_ops as ops

revision, down_revision = 'mediation_0003', 'mediation_0002'
branch_labels, depends_on = None, None

CHINA = timezone(timedelta(hours=8))
"""China's time, defined here rather than imported from ``jiedao.api.domain``: a migration
must keep doing what it did when written, whatever the application code becomes."""
CASES = sa.table(
    'mediation_cases', sa.column('id', sa.Integer), sa.column('register_committee_id', sa.Integer),
    sa.column('register_year', sa.Integer), sa.column('register_number', sa.Integer),
)
REGISTERS = sa.table(
    'mediation_case_registers', sa.column('street_id', sa.Integer), sa.column('committee_key', sa.Integer),
    sa.column('year', sa.Integer), sa.column('last_number', sa.Integer),
)


def upgrade() -> None:
    ops.create_street_table(
        'mediation_case_registers',
        ops.column('committee_key', sa.Integer()),
        ops.column('year', sa.Integer()),
        ops.column('last_number', sa.Integer()),
        unique=[('street_id', 'committee_key', 'year')],
    )
    with op.batch_alter_table('mediation_cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('register_committee_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('register_year', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('register_number', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_mediation_cases_register_committee_id_mediation_committees'), 'mediation_committees', ['register_committee_id'], ['id'])
        batch_op.create_unique_constraint('uq_mediation_cases_register_number', ['street_id', 'register_committee_id', 'register_year', 'register_number'])
    _number_existing_cases(op.get_bind())


def _number_existing_cases(bind) -> None:
    """Number every case already stored, street by street (row-level security shows one
    street's rows at a time on PostgreSQL)."""
    for (street_id,) in bind.execute(sa.text('SELECT id FROM streets ORDER BY id')).all():
        if bind.dialect.name == 'postgresql':
            bind.execute(sa.text("SELECT set_config('app.street_id', :s, true)"), {'s': str(street_id)})
        rows = bind.execute(sa.text(
            'SELECT c.id, s.committee_id, c.opened_at FROM mediation_cases c JOIN mediation_studios s ON s.id = c.studio_id '
            'WHERE c.street_id = :s ORDER BY c.opened_at, c.id'
        ), {'s': street_id}).all()
        last: dict[tuple[int, int], int] = defaultdict(int)
        for case_id, committee_id, opened_at in rows:
            year = _china_year(opened_at)
            key = (committee_id or 0, year)
            last[key] += 1
            bind.execute(sa.update(CASES).where(CASES.c.id == case_id).values(
                register_committee_id=committee_id, register_year=year, register_number=last[key],
            ))
        if last:
            bind.execute(sa.insert(REGISTERS), [
                {'street_id': street_id, 'committee_key': key, 'year': year, 'last_number': number} for (key, year), number in last.items()
            ])
    if bind.dialect.name == 'postgresql':
        bind.execute(sa.text("SELECT set_config('app.street_id', '', true)"))


def _china_year(opened_at) -> int:
    """The year in China of a stored time (SQLite gives text or a naive UTC datetime)."""
    if isinstance(opened_at, str):
        opened_at = datetime.fromisoformat(opened_at)
    if opened_at.tzinfo is None:
        opened_at = opened_at.replace(tzinfo=timezone.utc)
    return opened_at.astimezone(CHINA).year


def downgrade() -> None:
    with op.batch_alter_table('mediation_cases', schema=None) as batch_op:
        batch_op.drop_constraint('uq_mediation_cases_register_number', type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_mediation_cases_register_committee_id_mediation_committees'), type_='foreignkey')
        batch_op.drop_column('register_number')
        batch_op.drop_column('register_year')
        batch_op.drop_column('register_committee_id')
    ops.drop_tables('mediation_case_registers')
