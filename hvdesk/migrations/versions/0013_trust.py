"""trust: audit hash chain and append-only events, sign-in lock-out, safe words encrypted

Revision ID: 0013
Revises: 0011

Events already written are hashed here, oldest first, into one chain; from now on the database refuses
UPDATE and DELETE on them. Safe words already stored are encrypted with the database's key.
"""

import sqlalchemy as sa
from alembic import op

import hvdesk.models
import hvdesk.safe_word_cipher

revision = "0013"
down_revision = '0011'
branch_labels = None
depends_on = None

APPEND_ONLY = "events are append-only: the audit trail cannot be changed or deleted"

SQLITE_TRIGGERS = (
    f"""CREATE TRIGGER event_no_update BEFORE UPDATE ON event
    BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END""",
    f"""CREATE TRIGGER event_no_delete BEFORE DELETE ON event
    BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END""",
)

PG_TRIGGERS = (
    f"""CREATE OR REPLACE FUNCTION hvdesk_event_append_only() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION '{APPEND_ONLY} (% refused)', TG_OP; END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER event_no_update_delete BEFORE UPDATE OR DELETE ON event
    FOR EACH ROW EXECUTE FUNCTION hvdesk_event_append_only()""",
    """CREATE TRIGGER event_no_truncate BEFORE TRUNCATE ON event
    FOR EACH STATEMENT EXECUTE FUNCTION hvdesk_event_append_only()""",
)


def upgrade() -> None:
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(
            sa.Column("failed_sign_ins", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("lockouts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("locked_until", hvdesk.models.UTCDateTime(), nullable=True))
    with op.batch_alter_table("event") as batch:
        batch.add_column(
            sa.Column("prev_hash", sa.String(length=64), nullable=False, server_default="")
        )
        batch.add_column(sa.Column("hash", sa.String(length=64), nullable=False, server_default=""))
    with op.batch_alter_table("lone_working_assessment") as batch:
        batch.alter_column(
            "safe_word",
            existing_type=sa.String(length=120),
            type_=sa.Text(),
            existing_nullable=False,
        )
    op.create_table(
        "audit_chain",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain")),
    )
    bind = op.get_bind()
    _chain_existing_events(bind)
    _encrypt_existing_safe_words(bind)
    for statement in PG_TRIGGERS if bind.dialect.name == "postgresql" else SQLITE_TRIGGERS:
        op.execute(statement)


def _chain_existing_events(bind: sa.Connection) -> None:
    from hvdesk.audit import FIELDS, GENESIS, event_hash

    cols = ", ".join(("id", *FIELDS, "note", "data"))
    rows = bind.execute(sa.text(f"SELECT {cols} FROM event ORDER BY id")).mappings().all()
    prev = GENESIS
    for row in rows:
        digest = event_hash(row, prev)
        bind.execute(
            sa.text("UPDATE event SET prev_hash = :p, hash = :h WHERE id = :id"),
            {"p": prev, "h": digest, "id": row["id"]},
        )
        prev = digest
    bind.execute(
        sa.text("INSERT INTO audit_chain (id, last_hash, events) VALUES (1, :h, :n)"),
        {"h": prev, "n": len(rows)},
    )


def _encrypt_existing_safe_words(bind: sa.Connection) -> None:
    rows = bind.execute(sa.text("SELECT id, safe_word FROM lone_working_assessment")).all()
    if not rows:
        return
    cipher = hvdesk.safe_word_cipher.cipher_of(bind.dialect)
    for row_id, word in rows:
        bind.execute(
            sa.text("UPDATE lone_working_assessment SET safe_word = :w WHERE id = :id"),
            {"w": cipher.encrypt(word), "id": row_id},
        )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS event_no_truncate ON event")
        op.execute("DROP TRIGGER IF EXISTS event_no_update_delete ON event")
        op.execute("DROP FUNCTION IF EXISTS hvdesk_event_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS event_no_update")
        op.execute("DROP TRIGGER IF EXISTS event_no_delete")
    op.drop_table("audit_chain")
    with op.batch_alter_table("event") as batch:
        batch.drop_column("hash")
        batch.drop_column("prev_hash")
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("locked_until")
        batch.drop_column("lockouts")
        batch.drop_column("failed_sign_ins")
