"""visit list indexes: any filter of the Visits screen found by walking one index, newest first

Revision ID: 0014
Revises: 0012
Create Date: 2026-11-30 21:20:00
"""
from alembic import op


revision = '0014'
down_revision = '0012'
branch_labels = None
depends_on = None

LIST_COLUMNS = [
    'start', 'status', 'purpose', 'household_id', 'lead_staff_id', 'companion_staff_id',
    'purpose_other',
]


def upgrade() -> None:
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.drop_index('ix_visit_start')
        batch_op.create_index('ix_visit_list', LIST_COLUMNS, unique=False)
        batch_op.create_index('ix_visit_status_start', ['status', 'start'], unique=False)
        batch_op.create_index('ix_visit_purpose', ['purpose'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.drop_index('ix_visit_purpose')
        batch_op.drop_index('ix_visit_status_start')
        batch_op.drop_index('ix_visit_list')
        batch_op.create_index('ix_visit_start', ['start'], unique=False)
