"""deliberation ballots topics meetings (2026-11-28)."""

import sqlalchemy as sa

from jiedao.api.migrations import migration_ops as ops

revision, down_revision = 'deliberation_0001', None
branch_labels, depends_on = ('deliberation',), '0001_core'


def upgrade() -> None:
    ops.create_street_table(
        'deliberation_ballots',
        ops.column('title', sa.String(200)),
        ops.column('matter', sa.Text()),
        ops.column('rule', sa.String(20)),
        ops.column('status', sa.String(10)),
        ops.reference('compound_id', 'compounds', nullable=True),
        ops.column('opens_at', sa.DateTime(timezone=True)),
        ops.column('closes_at', sa.DateTime(timezone=True)),
        ops.column('created_at', sa.DateTime(timezone=True)),
        ops.column('opened_at', sa.DateTime(timezone=True), nullable=True),
        ops.column('closed_at', sa.DateTime(timezone=True), nullable=True),
        ops.column('result', sa.JSON(), nullable=True),
    )

    ops.create_street_table(
        'deliberation_meetings',
        ops.column('kind', sa.String(10)),
        ops.column('title', sa.String(200)),
        ops.reference('compound_id', 'compounds', nullable=True),
        ops.column('scheduled_at', sa.DateTime(timezone=True), index=True),
        ops.column('parties', sa.JSON()),
        ops.column('attendance', sa.JSON()),
        ops.column('minutes', sa.Text()),
    )

    ops.create_street_table(
        'deliberation_action_items',
        ops.reference('meeting_id', 'deliberation_meetings', ondelete='CASCADE'),
        ops.column('description', sa.Text()),
        ops.column('owner', sa.String(100)),
        ops.column('due_on', sa.Date()),
        ops.column('done_at', sa.DateTime(timezone=True), nullable=True),
    )

    ops.create_street_table(
        'deliberation_ballot_buildings',
        ops.reference('ballot_id', 'deliberation_ballots', ondelete='CASCADE'),
        ops.reference('building_id', 'buildings'),
        unique=[('ballot_id', 'building_id')],
    )

    ops.create_street_table(
        'deliberation_electors',
        ops.reference('ballot_id', 'deliberation_ballots', ondelete='CASCADE'),
        ops.reference('unit_id', 'units', index=False),
        ops.reference('building_id', 'buildings', index=False),
        ops.column('area_dm2', sa.Integer()),
        ops.column('owner_key', sa.String(200)),
        unique=[('ballot_id', 'unit_id')],
    )

    ops.create_street_table(
        'deliberation_topics',
        ops.column('title', sa.String(200)),
        ops.column('description', sa.Text()),
        ops.column('status', sa.String(12), index=True),
        ops.reference('compound_id', 'compounds', nullable=True),
        ops.reference('building_id', 'buildings', nullable=True),
        ops.reference('unit_id', 'units', nullable=True),
        ops.reference('raised_by_resident_id', 'residents', nullable=True),
        ops.reference('raised_by_user_id', 'users', nullable=True, index=False),
        ops.column('decision', sa.Text(), nullable=True),
        ops.column('rejection_reason', sa.Text(), nullable=True),
        ops.column('consultation_closes_at', sa.DateTime(timezone=True), nullable=True),
        ops.column('created_at', sa.DateTime(timezone=True)),
        ops.column('updated_at', sa.DateTime(timezone=True)),
    )

    ops.create_street_table(
        'deliberation_votes',
        ops.reference('ballot_id', 'deliberation_ballots', ondelete='CASCADE'),
        ops.column('owner_key', sa.String(200)),
        ops.reference('unit_id', 'units'),
        ops.column('choice', sa.String(10)),
        ops.column('channel', sa.String(10)),
        ops.reference('resident_id', 'residents', nullable=True, index=False),
        ops.reference('recorded_by', 'users', nullable=True, index=False),
        ops.column('cast_at', sa.DateTime(timezone=True)),
        unique=[('ballot_id', 'owner_key')],
    )

    ops.create_street_table(
        'deliberation_agenda_items',
        ops.reference('meeting_id', 'deliberation_meetings', ondelete='CASCADE'),
        ops.reference('topic_id', 'deliberation_topics', nullable=True),
        ops.column('title', sa.String(200)),
        ops.column('decision', sa.Text(), nullable=True),
    )

    ops.create_street_table(
        'deliberation_comments',
        ops.reference('topic_id', 'deliberation_topics', ondelete='CASCADE'),
        ops.column('body', sa.Text()),
        ops.column('author', sa.String(100)),
        ops.reference('author_id', 'users', nullable=True, index=False),
        ops.column('hidden', sa.Boolean()),
        ops.column('hidden_reason', sa.Text(), nullable=True),
        ops.column('at', sa.DateTime(timezone=True)),
    )

    ops.create_street_table(
        'deliberation_topic_steps',
        ops.reference('topic_id', 'deliberation_topics', ondelete='CASCADE'),
        ops.column('from_status', sa.String(12), nullable=True),
        ops.column('to_status', sa.String(12)),
        ops.column('note', sa.Text()),
        ops.column('actor', sa.String(100)),
        ops.reference('actor_id', 'users', nullable=True, index=False),
        ops.column('at', sa.DateTime(timezone=True)),
    )


def downgrade() -> None:
    ops.drop_tables(
        'deliberation_topic_steps',
        'deliberation_comments',
        'deliberation_agenda_items',
        'deliberation_votes',
        'deliberation_topics',
        'deliberation_electors',
        'deliberation_ballot_buildings',
        'deliberation_action_items',
        'deliberation_meetings',
        'deliberation_ballots',
    )
