"""mediation studios cases agreements task forces (2026-11-28)."""

import sqlalchemy as sa

from jiedao.api.migrations import migration_ops as ops

revision, down_revision = 'mediation_0001', None
branch_labels, depends_on = ('mediation',), '0001_core'


def upgrade() -> None:
    ops.create_street_table(
        'mediation_studios',
        ops.column('name', sa.String(200)),
        ops.column('description', sa.Text()),
        ops.reference('community_id', 'communities', nullable=True),
        ops.column('created_at', sa.DateTime(timezone=True)),
        unique=[('street_id', 'name')],
    )

    ops.create_street_table(
        'mediation_task_forces',
        ops.column('name', sa.String(200)),
        ops.reference('compound_id', 'compounds'),
        ops.column('departments', sa.JSON()),
        ops.column('started_on', sa.Date()),
        ops.column('created_at', sa.DateTime(timezone=True)),
        unique=[('street_id', 'name')],
    )

    ops.create_street_table(
        'mediation_findings',
        ops.reference('task_force_id', 'mediation_task_forces', ondelete='CASCADE'),
        ops.reference('building_id', 'buildings'),
        ops.reference('unit_id', 'units', nullable=True),
        ops.column('location', sa.String(200)),
        ops.column('category', sa.String(30), index=True),
        ops.column('department', sa.String(30), index=True),
        ops.column('description', sa.Text()),
        ops.column('deadline', sa.Date()),
        ops.column('status', sa.String(20), index=True),
        ops.column('evidence', sa.JSON()),
        ops.column('created_at', sa.DateTime(timezone=True)),
        ops.column('status_changed_at', sa.DateTime(timezone=True)),
        ops.column('rectified_at', sa.DateTime(timezone=True), nullable=True),
        ops.column('verified_at', sa.DateTime(timezone=True), nullable=True),
    )

    ops.create_street_table(
        'mediation_cases',
        ops.column('title', sa.String(200)),
        ops.column('description', sa.Text()),
        ops.column('category', sa.String(30), index=True),
        ops.column('source', sa.String(30)),
        ops.column('referred_by', sa.String(200)),
        ops.column('state', sa.String(20), index=True),
        ops.reference('studio_id', 'mediation_studios'),
        ops.reference('mediator_user_id', 'users', nullable=True),
        ops.reference('finding_id', 'mediation_findings', nullable=True),
        ops.column('escalated_at', sa.DateTime(timezone=True), nullable=True),
        ops.column('escalation_reason', sa.Text(), nullable=True),
        ops.column('opened_at', sa.DateTime(timezone=True), index=True),
        ops.column('concluded_at', sa.DateTime(timezone=True), nullable=True),
        ops.column('closed_at', sa.DateTime(timezone=True), nullable=True),
    )

    ops.create_street_table(
        'mediation_studio_members',
        ops.reference('studio_id', 'mediation_studios', ondelete='CASCADE'),
        ops.reference('user_id', 'users'),
        ops.column('display_name', sa.String(100)),
        ops.column('is_lead', sa.Boolean()),
        unique=[('studio_id', 'user_id')],
    )

    ops.create_street_table(
        'mediation_agreements',
        ops.reference('case_id', 'mediation_cases', ondelete='CASCADE'),
        ops.column('oral', sa.Boolean()),
        ops.column('facts', sa.Text()),
        ops.column('disputed_points', sa.Text()),
        ops.column('terms', sa.Text()),
        ops.column('performance', sa.Text()),
        ops.column('perform_by', sa.Date()),
        ops.column('drafted_at', sa.DateTime(timezone=True)),
        ops.column('sealed_at', sa.DateTime(timezone=True), nullable=True),
        ops.column('effective_on', sa.Date(), nullable=True),
        ops.column('confirmation_requested_on', sa.Date(), nullable=True),
        ops.column('confirmation_court', sa.String(200), nullable=True),
        unique=[('case_id',)],
    )

    ops.create_street_table(
        'mediation_attachments',
        ops.reference('case_id', 'mediation_cases', nullable=True, ondelete='CASCADE'),
        ops.reference('finding_id', 'mediation_findings', nullable=True, ondelete='CASCADE'),
        ops.column('name', sa.String(200)),
        ops.column('content_type', sa.String(100)),
        ops.column('size', sa.Integer()),
        ops.column('reference', sa.String(200)),
        ops.column('added_by', sa.String(100)),
        ops.column('added_at', sa.DateTime(timezone=True)),
    )

    ops.create_street_table(
        'mediation_case_parties',
        ops.reference('case_id', 'mediation_cases', ondelete='CASCADE'),
        ops.reference('resident_id', 'residents'),
        ops.column('role', sa.String(20)),
        unique=[('case_id', 'resident_id')],
    )

    ops.create_street_table(
        'mediation_case_places',
        ops.reference('case_id', 'mediation_cases', ondelete='CASCADE'),
        ops.reference('building_id', 'buildings'),
        ops.reference('unit_id', 'units', nullable=True),
        unique=[('case_id', 'building_id', 'unit_id')],
    )

    ops.create_street_table(
        'mediation_case_transitions',
        ops.reference('case_id', 'mediation_cases', ondelete='CASCADE'),
        ops.column('from_state', sa.String(20), nullable=True),
        ops.column('to_state', sa.String(20)),
        ops.column('actor', sa.String(100)),
        ops.reference('actor_user_id', 'users', nullable=True, index=False),
        ops.column('reason', sa.Text()),
        ops.column('at', sa.DateTime(timezone=True)),
    )

    ops.create_street_table(
        'mediation_outside_mediators',
        ops.reference('case_id', 'mediation_cases', ondelete='CASCADE'),
        ops.column('name', sa.String(100)),
        ops.column('kind', sa.String(20)),
        ops.column('organisation', sa.String(200)),
        ops.column('consent_note', sa.Text()),
        ops.column('invited_at', sa.DateTime(timezone=True)),
    )

    ops.create_street_table(
        'mediation_recusals',
        ops.reference('case_id', 'mediation_cases', ondelete='CASCADE'),
        ops.reference('user_id', 'users'),
        ops.column('reason', sa.Text()),
        ops.column('at', sa.DateTime(timezone=True)),
        unique=[('case_id', 'user_id')],
    )

    ops.create_street_table(
        'mediation_return_visits',
        ops.reference('case_id', 'mediation_cases', ondelete='CASCADE'),
        ops.column('due_on', sa.Date(), index=True),
        ops.column('done_on', sa.Date(), nullable=True),
        ops.column('notes', sa.Text()),
    )

    ops.create_street_table(
        'mediation_sessions',
        ops.reference('case_id', 'mediation_cases', ondelete='CASCADE'),
        ops.column('held_on', sa.Date()),
        ops.column('participants', sa.JSON()),
        ops.column('notes', sa.Text()),
        ops.column('recorded_by', sa.String(100)),
    )

    ops.create_street_table(
        'mediation_signatures',
        ops.reference('agreement_id', 'mediation_agreements', ondelete='CASCADE'),
        ops.reference('resident_id', 'residents', nullable=True, index=False),
        ops.reference('user_id', 'users', nullable=True, index=False),
        ops.column('recorded_by', sa.String(100)),
        ops.column('signed_at', sa.DateTime(timezone=True)),
        unique=[('agreement_id', 'resident_id', 'user_id')],
    )


def downgrade() -> None:
    ops.drop_tables(
        'mediation_signatures',
        'mediation_sessions',
        'mediation_return_visits',
        'mediation_recusals',
        'mediation_outside_mediators',
        'mediation_case_transitions',
        'mediation_case_places',
        'mediation_case_parties',
        'mediation_attachments',
        'mediation_agreements',
        'mediation_studio_members',
        'mediation_cases',
        'mediation_findings',
        'mediation_task_forces',
        'mediation_studios',
    )
