"""household search keys: homes and pupils found by their names folded (no case, no accents)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01 10:30:00
"""

import sqlalchemy as sa
from alembic import op
from hvdesk.migrations.guards import refuse_person_alarms_past_0020
from hvdesk.rules.folding import search_key


revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def _fill(table: str, columns: tuple[str, ...]) -> None:
    """Every existing row's key, folded as the app folds a row it writes."""
    conn = op.get_bind()
    rows = conn.execute(sa.text(f"SELECT id, {', '.join(columns)} FROM {table}")).all()
    if rows:
        conn.execute(
            sa.text(f"UPDATE {table} SET search_key = :key WHERE id = :id"),
            [{"id": row[0], "key": search_key(*(v or "" for v in row[1:]))} for row in rows],
        )


def upgrade() -> None:
    for table in ("household", "pupil"):
        op.add_column(table, sa.Column("search_key", sa.Text(), server_default="", nullable=False))
    _fill("household", ("name", "address", "postcode"))
    _fill("pupil", ("name",))


def downgrade() -> None:
    """ALTER TABLE ... DROP COLUMN in place (SQLite 3.35+): a batch copy of the table would be
    refused by the foreign keys of every visit, pupil and risk pointing at it. Past 0020 is
    refused here first while an alarm about a person exists (see migrations.guards)."""
    refuse_person_alarms_past_0020()
    for table in ("pupil", "household"):
        op.drop_column(table, "search_key")
