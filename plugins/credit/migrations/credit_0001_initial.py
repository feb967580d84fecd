"""credit: enterprises, evidence, scorecards, scores, appeals, repair (2026-11-28)."""

import sqlalchemy as sa

from jiedao.api.migrations import migration_ops as ops

revision, down_revision = 'credit_0001', None
branch_labels, depends_on = ('credit',), '0001_core'


def upgrade() -> None:
    ops.create_street_table(
        'credit_scorecards',
        ops.column('version', sa.Integer()),
        ops.column('definition', sa.JSON()),
        ops.column('note', sa.String(500)),
        ops.column('created_by', sa.String(100)),
        ops.column('created_at', sa.DateTime(timezone=True)),
        unique=[('street_id', 'version')],
    )

    ops.create_street_table(
        'credit_enterprises',
        ops.column('name', sa.String(200)),
        ops.column('category', sa.String(50), index=True),
        ops.column('licence_no', sa.String(64)),
        ops.column('licence_issued_on', sa.Date()),
        ops.column('licence_expires_on', sa.Date(), nullable=True),
        ops.column('address', sa.String(300)),
        ops.reference('building_id', 'buildings', nullable=True),
        ops.reference('unit_id', 'units', nullable=True),
        ops.reference('operator_resident_id', 'residents', nullable=True),
        ops.column('status', sa.String(16), index=True),
        ops.column('current_score_id', sa.Integer(), nullable=True, index=True),
        ops.column('created_at', sa.DateTime(timezone=True)),
        unique=[('street_id', 'licence_no')],
    )

    ops.create_street_table(
        'credit_evidence',
        ops.reference('enterprise_id', 'credit_enterprises', ondelete='CASCADE', index=False),
        ops.column('kind', sa.String(32), index=True),
        ops.column('occurred_on', sa.Date()),
        ops.column('source', sa.String(50)),
        ops.column('summary', sa.String(500)),
        ops.column('details', sa.JSON()),
        ops.column('external_ref', sa.String(100), nullable=True),
        ops.column('recorded_by', sa.String(100)),
        ops.column('recorded_by_id', sa.Integer(), nullable=True),
        ops.column('recorded_at', sa.DateTime(timezone=True)),
        ops.column('repaired_on', sa.Date(), nullable=True),
        ops.column('voided_on', sa.Date(), nullable=True),
        unique=[('street_id', 'external_ref')],
        indexes=[ops.index('ix_credit_evidence_enterprise_on', 'enterprise_id', 'occurred_on')],
    )

    ops.create_street_table(
        'credit_scores',
        ops.reference('enterprise_id', 'credit_enterprises', ondelete='CASCADE', index=False),
        ops.reference('scorecard_id', 'credit_scorecards'),
        ops.column('as_of', sa.Date()),
        ops.column('computed_at', sa.DateTime(timezone=True)),
        ops.column('trigger', sa.String(50)),
        ops.column('value', sa.Float()),
        ops.column('risk_class', sa.String(10), index=True),
        ops.column('annual_grade', sa.String(2), nullable=True),
        ops.column('next_inspection_due', sa.Date(), nullable=True),
        ops.column('result', sa.JSON()),
        ops.column('inputs', sa.JSON()),
        ops.column('evidence_ids', sa.JSON()),
        ops.column('corrects_score_id', sa.Integer(), nullable=True),
        indexes=[ops.index('ix_credit_scores_enterprise_at', 'enterprise_id', 'computed_at')],
    )

    ops.create_street_table(
        'credit_appeals',
        ops.reference('enterprise_id', 'credit_enterprises', ondelete='CASCADE'),
        ops.reference('score_id', 'credit_scores'),
        ops.column('reason', sa.Text()),
        ops.column('disputed_evidence_ids', sa.JSON()),
        ops.column('filed_by', sa.String(100)),
        ops.column('filed_by_id', sa.Integer(), nullable=True),
        ops.column('filed_at', sa.DateTime(timezone=True)),
        ops.column('status', sa.String(16), index=True),
        ops.column('reviewer', sa.String(100), nullable=True),
        ops.column('reviewer_id', sa.Integer(), nullable=True),
        ops.column('decided_at', sa.DateTime(timezone=True), nullable=True),
        ops.column('decision_note', sa.Text()),
        ops.reference('corrected_score_id', 'credit_scores', nullable=True, index=False),
    )

    ops.create_street_table(
        'credit_repair_requests',
        ops.reference('enterprise_id', 'credit_enterprises', ondelete='CASCADE'),
        ops.reference('evidence_id', 'credit_evidence', ondelete='CASCADE'),
        ops.column('reason', sa.Text()),
        ops.column('requested_by', sa.String(100)),
        ops.column('requested_at', sa.DateTime(timezone=True)),
        ops.column('status', sa.String(16), index=True),
        ops.column('decided_by', sa.String(100), nullable=True),
        ops.column('decided_at', sa.DateTime(timezone=True), nullable=True),
        ops.column('decision_note', sa.Text()),
    )


def downgrade() -> None:
    ops.drop_tables(
        'credit_repair_requests',
        'credit_appeals',
        'credit_scores',
        'credit_evidence',
        'credit_enterprises',
        'credit_scorecards',
    )
