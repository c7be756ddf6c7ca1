"""Incidents: saved in one step with whatever is known, completed later, acknowledged by the head,
printed as a report. Real database; the PDF read back with pypdf."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pypdf
import pytest
from sqlalchemy import select

from hvdesk.errors import NotAllowed, StateError, ValidationError
from hvdesk.models import Alarm, Event, Visit, VisitStatus
from hvdesk.services.incidents import IncidentInput, IncidentService
from hvdesk.services.tracker import TrackerService


@pytest.fixture
def svc(demo_db, clock) -> IncidentService:
    return IncidentService(demo_db, clock)


def out_visit(db) -> Visit:
    from hvdesk.services.visits import VisitQueries

    with db.read() as s:
        visit_id = s.scalar(select(Visit.id).where(Visit.status == VisitStatus.ON_SITE.value))
    return VisitQueries(db, None).get(visit_id)  # type: ignore[arg-type]


def test_saved_at_once_with_only_what_happened_then_completed(svc, demo_db, clock, office):
    with pytest.raises(ValidationError, match="What happened"):
        svc.record(office, IncidentInput(what="  "))
    first = svc.record(office, IncidentInput(what="Dog bit Jasmin's hand at the door"))
    assert first.reported_by == "Sam Office" and first.occurred_at == clock.now()
    assert "Injuries" in first.missing and "Police reference" in first.missing
    clock.advance(timedelta(hours=2))
    done = svc.complete(
        office,
        first.id,
        IncidentInput(
            what=first.what,
            injuries="Two puncture wounds, cleaned at A&E",
            witnesses="Kamran Ahmed",
            place="Front door, 14 Hill Street",
        ),
    )
    assert done.injuries.startswith("Two puncture") and done.updated_at == clock.now()
    with demo_db.read() as s:
        kinds = [e.kind for e in s.scalars(select(Event).where(Event.kind.like("incident%")))]
    assert kinds == ["incident_recorded", "incident_updated"]


def test_from_a_visit_or_an_alarm_fills_place_people_and_police_reference(
    svc, demo_db, clock, office
):
    visit = out_visit(demo_db)
    from_visit = svc.record(office, IncidentInput(what="Verbal abuse", visit_id=visit.id))
    assert from_visit.place == visit.household.one_line_address
    assert from_visit.people == visit.staff_names and from_visit.household == visit.household.name
    alarm = TrackerService(demo_db, clock).duress(office, visit.id, "code word")
    with demo_db.transaction() as s:  # as the police step records it
        s.get(Alarm, alarm.id).police_reference = "WM-20261124-0042"
    from_alarm = svc.record(office, IncidentInput(what="Duress on site", alarm_id=alarm.id))
    assert from_alarm.visit_id == visit.id and from_alarm.police_reference == "WM-20261124-0042"


def test_head_sees_new_incidents_until_acknowledged(svc, office, approver):
    row = svc.record(office, IncidentInput(what="Window smashed in the car park"))
    assert [i.id for i in svc.list(unacknowledged=True)] == [row.id]
    with pytest.raises(NotAllowed, match="approver"):
        svc.acknowledge(office, row.id)
    seen = svc.acknowledge(approver, row.id)
    assert seen.acknowledged_by == "Linda Francis"
    assert svc.list(unacknowledged=True) == []
    with pytest.raises(StateError, match="already acknowledged by Linda Francis"):
        svc.acknowledge(approver, row.id)


def test_printed_incident_report_has_every_field_and_what_is_missing(svc, demo_db, office):
    visit = out_visit(demo_db)
    row = svc.record(
        office, IncidentInput(what="Father shouted and blocked the door", visit_id=visit.id)
    )
    pdf = svc.report_pdf(office, row.id)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() or "" for p in reader.pages))
    for value in (
        "Incident report",
        "Father shouted and blocked the door",
        visit.household.name,
        "Still to complete:",
        "Police reference",
        "Seen by the Headteacher",
    ):
        assert value in text, value
    with demo_db.read() as s:
        printed = s.scalar(select(Event).where(Event.kind == "printed"))
    assert printed.data["form"] == "incident-report" and printed.data["incident_id"] == row.id


def test_an_incident_time_in_the_future_is_refused_naming_the_field(svc, clock, office):
    with pytest.raises(ValidationError) as err:
        svc.record(
            office, IncidentInput(what="Shouting", occurred_at=clock.now() + timedelta(days=30))
        )
    assert [e.field for e in err.value.errors] == ["When"]
    assert "is in the future; give the time it happened" in str(err.value)
    slack = svc.record(
        office, IncidentInput(what="Shouting", occurred_at=clock.now() + timedelta(minutes=4))
    )
    with pytest.raises(ValidationError, match="When"):
        svc.complete(
            office,
            slack.id,
            IncidentInput(what="Shouting", occurred_at=clock.now() + timedelta(hours=1)),
        )
