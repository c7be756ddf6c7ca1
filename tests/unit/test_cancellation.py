from __future__ import annotations

import pytest
from sqlalchemy import select

from hvdesk.errors import StateError, ValidationError
from hvdesk.models import Event, Visit, VisitStatus
from hvdesk.services.cancellation import CancellationService


def first(db, status):
    with db.read() as s:
        return s.scalars(select(Visit).where(Visit.status == status)).first()


def test_cancel_with_reason_writes_event(demo_db, clock, office):
    visit = first(demo_db, VisitStatus.APPROVED)
    svc = CancellationService(demo_db, clock)
    svc.cancel(office, visit.id, "safety_concern", "Unknown adults at the door")
    with demo_db.read() as s:
        v = s.get(Visit, visit.id)
        assert v.status == "cancelled" and v.cancel_reason == "safety_concern"
        ev = s.scalars(
            select(Event).where(Event.visit_id == visit.id, Event.kind == "cancelled")
        ).one()
        assert ev.user_name == "Sam Office" and ev.data["safety_note_due"] is True


def test_cancel_needs_valid_reason_and_note(demo_db, clock, office):
    visit = first(demo_db, VisitStatus.APPROVED)
    svc = CancellationService(demo_db, clock)
    with pytest.raises(ValidationError, match="Reason"):
        svc.cancel(office, visit.id, "bored")
    with pytest.raises(ValidationError, match="Note"):
        svc.cancel(office, visit.id, "safety_concern", "")
    assert first(demo_db, VisitStatus.APPROVED) is not None


def test_cannot_cancel_after_return(demo_db, clock, office):
    visit = first(demo_db, VisitStatus.COMPLETED)
    with pytest.raises(StateError, match="not yet returned"):
        CancellationService(demo_db, clock).cancel(office, visit.id, "family_cancelled")
