"""Texts from the field that must not do harm: old, delayed, shared-phone and duress cases.

The same local gateway stand-in and school as test_texts_in; each test is one way a real text could
mislead hvdesk or give a worker away.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from hvdesk.events import EventKind
from hvdesk.models import Event
from hvdesk.services.tracker import TrackerService
from tests.integration.test_texts_in import (  # noqa: F401  (gateway, school: fixtures)
    JASMIN,
    MIN,
    SEC,
    gateway,
    open_alarms,
    poll,
    replies,
    school,
    texts,
    timeline,
    visit,
)


def _logged(db) -> list[Event]:
    with db.read() as s:
        return list(s.scalars(select(Event).where(Event.kind == EventKind.TEXT_RECEIVED)))


def test_a_text_sent_before_the_visit_left_does_not_act_on_it(db, clock, gateway, school):
    vid, start = school["visit"], school["start"]  # departed 09:45
    gateway.text("BACK 4821", start - timedelta(hours=16))  # last night's, held by the gateway
    clock.set(start + 20 * MIN)
    poll(db, clock, gateway)
    v = visit(db, vid)
    assert v.status == "out" and v.returned_at is None
    assert timeline(db, vid, EventKind.RETURNED) == []
    assert TrackerService(db, clock).board().row(vid) is not None  # still tracked
    [text] = texts(db)
    assert text.outcome == "refused"
    assert "before this visit left at 09:45, so nothing was recorded" in replies(db)[-1]
    [log] = _logged(db)
    assert "BACK sent" in log.note and "too old, not acted on" in log.note


def test_a_text_the_gateway_lists_late_is_still_recorded(db, clock, gateway, school):
    vid, start = school["visit"], school["start"]
    clock.set(start + 2 * MIN)
    gateway.text("ARRIVED 4821", start + MIN)
    poll(db, clock, gateway)  # the cursor moves to 10:01
    clock.set(start + 5 * MIN)
    gateway.text("LATE 30 4821", start + 30 * SEC)  # sent 10:00:30, listed only now
    result = poll(db, clock, gateway)
    assert result.fetched == 1 and result.relisted == 1
    [late] = timeline(db, vid, EventKind.RUNNING_LATE)
    assert late.at == start + 30 * SEC
    assert [t.command for t in texts(db)] == ["arrived", "late"]  # each recorded once
    assert poll(db, clock, gateway).handled == []
