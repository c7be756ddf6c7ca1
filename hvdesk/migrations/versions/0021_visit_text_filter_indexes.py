"""visit text filter indexes: words typed in the Visits screen's filter are found by index

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01 07:00:00
"""
from alembic import op

from hvdesk.migrations.guards import refuse_person_alarms_past_0020


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.create_index(
            'ix_visit_purpose_other', ['purpose', 'purpose_other'], unique=False
        )
        batch_op.create_index(
            'ix_visit_companion_start', ['companion_staff_id', 'start'], unique=False
        )


def downgrade() -> None:
    """Past 0020 is refused while an alarm about a person exists: refused here, before the
    indexes go, so a refused downgrade leaves the database whole at this revision."""
    refuse_person_alarms_past_0020()
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.drop_index('ix_visit_companion_start')
        batch_op.drop_index('ix_visit_purpose_other')
