"""visit sort indexes: the Visits screen sorted by household, address or staff reads in order

Revision ID: 0019
Revises: 0014
Create Date: 2026-12-01 05:00:00
"""
from alembic import op


revision = '0019'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('household', schema=None) as batch_op:
        batch_op.create_index('ix_household_name', ['name'], unique=False)
        batch_op.create_index('ix_household_address', ['address'], unique=False)
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.create_index('ix_staff_name', ['name'], unique=False)
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.create_index('ix_visit_household_start', ['household_id', 'start'], unique=False)
        batch_op.create_index('ix_visit_lead_start', ['lead_staff_id', 'start'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.drop_index('ix_visit_lead_start')
        batch_op.drop_index('ix_visit_household_start')
    with op.batch_alter_table('staff', schema=None) as batch_op:
        batch_op.drop_index('ix_staff_name')
    with op.batch_alter_table('household', schema=None) as batch_op:
        batch_op.drop_index('ix_household_address')
        batch_op.drop_index('ix_household_name')
