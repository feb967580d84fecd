"""sensors: the severity an alarm's rule gave (rule_severity), before the people at home raised
it. An alarm at a vulnerable person's home is CRITICAL from its first reading, so whether a new
reading is worse is decided on the rule's severity. Open alarms raised before this migration
have none and are compared on their severity, as before.

2026-12-04
"""

from alembic import op
import sqlalchemy as sa

revision, down_revision = 'sensors_0009', 'sensors_0008'
branch_labels, depends_on = None, None


def upgrade() -> None:
    with op.batch_alter_table('sensor_alarms', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rule_severity', sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('sensor_alarms', schema=None) as batch_op:
        batch_op.drop_column('rule_severity')
