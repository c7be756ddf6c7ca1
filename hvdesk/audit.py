"""The tamper-evident audit trail: every Event is chained to the one before it by a hash.

A school's data protection officer must be able to trust that nobody quietly rewrote what happened on
a visit. Two things make that promise:

- the database refuses UPDATE and DELETE on `event` (triggers, created by the migrations);
- each event stores `hash` = SHA-256 of its own content and of the previous event's hash, so an edit
  made with the triggers dropped, a deleted row or a row slipped in later breaks the chain at that
  event, and `python main.py audit verify` names it.

The hash is computed in one place, a `before_flush` listener on every ORM Session, so every way an
Event is added (services, the demo loader) is chained. The chain's tail lives in the one-row table
`audit_chain`; a writer locks that row before reading it (`SELECT ... FOR UPDATE` on PostgreSQL, the
database write lock on SQLite) so two office PCs writing at the same moment still make one chain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, event, text
from sqlalchemy.orm import Session

from hvdesk.models import Event

GENESIS = "0" * 64
FIELDS = ("at", "kind", "user_id", "user_name", "visit_id", "staff_id", "household_id", "alarm_id")


def _at_text(value: object) -> str:
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat(timespec="microseconds")
    if isinstance(value, str):  # a raw row read back from SQLite
        return datetime.fromisoformat(value).isoformat(timespec="microseconds")
    return str(value)


def event_hash(row: Mapping[Any, Any], prev_hash: str) -> str:
    """SHA-256 over the event's content (canonical JSON) and the previous event's hash."""
    content: dict[str, Any] = {name: row.get(name) for name in FIELDS}
    content["at"] = _at_text(row.get("at"))
    content["note"] = row.get("note") or ""
    content["user_name"] = row.get("user_name") or ""
    data = row.get("data") or {}
    if isinstance(data, str):
        data = json.loads(data)
    content["data"] = data
    blob = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{prev_hash}|{blob}".encode()).hexdigest()


def _row_of(ev: Event) -> dict[str, Any]:
    return {name: getattr(ev, name) for name in (*FIELDS, "note", "data")}


def lock_tail(conn: Connection) -> str:
    """Take the chain's tail for this transaction (others wait) and return its hash."""
    if conn.dialect.name == "postgresql":
        row = conn.execute(text("SELECT last_hash FROM audit_chain WHERE id = 1 FOR UPDATE"))
    else:  # SQLite: writing first takes the database write lock, so the read below is current
        conn.execute(text("UPDATE audit_chain SET id = id WHERE id = 1"))
        row = conn.execute(text("SELECT last_hash FROM audit_chain WHERE id = 1"))
    value = row.scalar()
    if value is None:
        conn.execute(
            text("INSERT INTO audit_chain (id, last_hash, events) VALUES (1, :h, 0)"),
            {"h": GENESIS},
        )
        return GENESIS
    return str(value)


def _chain_new_events(session: Session, _context: Any, _instances: Any) -> None:
    new = [obj for obj in session.new if isinstance(obj, Event)]
    if not new:
        return
    new.sort(key=lambda ev: ev._sa_instance_state.insert_order)  # type: ignore[attr-defined]
    conn = session.connection()
    prev = lock_tail(conn)
    for ev in new:
        ev.prev_hash = prev
        ev.hash = event_hash(_row_of(ev), prev)
        prev = ev.hash
    conn.execute(
        text("UPDATE audit_chain SET last_hash = :h, events = events + :n WHERE id = 1"),
        {"h": prev, "n": len(new)},
    )


event.listen(Session, "before_flush", _chain_new_events)


@dataclass(frozen=True)
class ChainReport:
    events: int
    broken_at: int | None = None  # the first event id where the chain does not hold
    problem: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_at is None and not self.problem

    def __str__(self) -> str:
        if self.intact:
            return f"{self.events} events, chain intact"
        where = f"event {self.broken_at}: " if self.broken_at is not None else ""
        return f"{self.events} events, chain BROKEN at {where}{self.problem}"


def _rows(conn: Connection, after_id: int = 0) -> Iterable[Mapping[Any, Any]]:
    cols = ", ".join(("id", *FIELDS, "note", "data", "prev_hash", "hash"))
    result = conn.execute(
        text(f"SELECT {cols} FROM event WHERE id > :after ORDER BY id"), {"after": after_id}
    )
    yield from result.mappings()


def check_link(row: Mapping[Any, Any], expected_prev: str) -> str:
    """Why this event breaks the chain, or '' when it holds."""
    if row["prev_hash"] != expected_prev:
        return "the event before it is missing or was changed (its link does not match)"
    if row["hash"] != event_hash(row, row["prev_hash"]):
        return "its content was changed after it was written"
    return ""


def verify(conn: Connection) -> ChainReport:
    """Walk every event in order; report the first broken or missing link."""
    prev, count = GENESIS, 0
    for row in _rows(conn):
        count += 1
        problem = check_link(row, prev)
        if problem:
            return ChainReport(count, row["id"], problem)
        prev = row["hash"]
    tail = conn.execute(text("SELECT last_hash, events FROM audit_chain WHERE id = 1")).first()
    if tail is not None and (tail[0] != prev or tail[1] != count):
        return ChainReport(
            count, None, f"the newest events are missing ({tail[1]} were written, {count} remain)"
        )
    return ChainReport(count)


def broken_events(conn: Connection, event_ids: Iterable[int]) -> dict[int, str]:
    """For a visit's timeline: which of these events break the chain, and why."""
    found: dict[int, str] = {}
    for event_id in event_ids:
        row = (
            conn.execute(
                text(
                    f"SELECT id, {', '.join(FIELDS)}, note, data, prev_hash, hash FROM event "
                    "WHERE id = :id"
                ),
                {"id": event_id},
            )
            .mappings()
            .first()
        )
        if row is None:
            continue
        before = conn.execute(
            text("SELECT hash FROM event WHERE id < :id ORDER BY id DESC LIMIT 1"),
            {"id": event_id},
        ).scalar()
        problem = check_link(row, before or GENESIS)
        if problem:
            found[event_id] = problem
    return found
