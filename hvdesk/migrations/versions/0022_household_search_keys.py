"""household search keys: homes and pupils found by their names folded (no case, no accents)

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01 10:30:00
"""

import unicodedata

import sqlalchemy as sa
from alembic import op
from hvdesk.migrations.guards import refuse_person_alarms_past_0020


revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


# The fold as hvdesk.rules.folding had it when 0022 was written, frozen here on purpose: a
# migration must write the same keys whenever it runs. Never import the app's fold here; when the
# app's fold changes, a new migration re-keys every row (tests/unit/test_folding.py pins it).
_PLAIN = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ı": "i", "ħ": "h"}
)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold().translate(_PLAIN))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def search_key(*fields: str) -> str:
    return "\n".join(_fold(field) for field in fields)


def _fill(table: str, columns: tuple[str, ...]) -> None:
    """Every existing row's key, folded as the app folded a row it wrote at 0022."""
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
