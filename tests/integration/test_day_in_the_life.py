"""One visit from booking to write-up, through every feature's service, on one database.

The office books it, a visiting member of staff assesses it, the head approves it (the office
cannot), staff depart, miss a check-in, the alarm is raised once, taken, walked up the ladder and
resolved; they return, the outcome is written up and the forms print. The audit trail shows it all.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pypdf
import pytest
from sqlalchemy import select

from hvdesk.errors import NotAllowed, StateError
from hvdesk.models import Alarm, Event, Visit
from hvdesk.services.alarms import AlarmService
from hvdesk.services.approval import ApprovalService
from hvdesk.services.auth import AuthService
from hvdesk.services.base import SYSTEM
from hvdesk.services.booking import BookingService
from hvdesk.services.households import HouseholdInput, HouseholdService, PupilInput
from hvdesk.services.outcomes import OutcomeInput, OutcomeService
from hvdesk.services.printing import PrintService
from hvdesk.services.risk_assessment import RiskAssessmentService
from hvdesk.services.settings import SettingsService
from hvdesk.services.staff import StaffInput, StaffService
from hvdesk.services.tracker import TrackerService


@pytest.fixture
def school(db, clock, office):
    SettingsService(db, clock).apply_preset(office, "harborne")
    staff = StaffService(db, clock)
    jo = staff.create(
        office,
        StaffInput(
            name="Jo Bloggs",
            mobile="07700 900123",
            dbs_type="Enhanced",
            dbs_date=datetime(2025, 9, 1).date(),
            vehicle_make="Ford",
            vehicle_model="Fiesta",
            vehicle_registration="AB12 CDE",
            vehicle_colour="Blue",
        ),
    )
    al = staff.create(
        office,
        StaffInput(
            name="Al Smith",
            mobile="07700 900456",
            dbs_type="Enhanced",
            dbs_date=datetime(2025, 9, 1).date(),
        ),
    )
    home = HouseholdService(db, clock).create(
        office,
        HouseholdInput(
            name="Begum family",
            address="14 Hill Street\nHarborne",
            postcode="B17 0AB",
            phone="0121 496 0000",
            pupils=[PupilInput("Aisha Begum", "Year 2")],
        ),
    )
    head = AuthService(db, clock).create_user(
        SYSTEM, "head2", "Linda Francis", "approver", "password123", approver_title="Headteacher"
    )
    return {"jo": jo, "al": al, "home": home, "head": AuthService(db, clock).actor_for(head.id)}


def test_a_visit_from_booking_to_write_up(db, clock, office, visitor, school):
    booking = BookingService(db, clock)
    start = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)  # Wednesday 10:00 in London
    data = booking.new_input(office, start)
    data.household_id = school["home"].id
    data.pupil_id = school["home"].pupils[0].id
    data.purpose = "attendance"
    data.lead_staff_id, data.companion_staff_id = school["jo"].id, school["al"].id
    data.vehicle_staff_id = school["jo"].id
    visit = booking.create(office, data, submit=True)
    assert visit.status == "awaiting_approval"

    risk = RiskAssessmentService(db, clock)
    form = risk.start(visitor, visit.id)
    form.assessor_name = "Jasmin Patel"
    form.when_not_to_visit = dict.fromkeys(form.when_not_to_visit, False)
    form.information["cpoms_checked"] = True
    form.checklist = dict.fromkeys(form.checklist, True)
    done = risk.complete(visitor, form)
    assert done.summary.level == "low" and not done.summary.blocked

    approvals = ApprovalService(db, clock)
    with pytest.raises(NotAllowed):
        approvals.approve(office, visit.id, "looks fine")
    tracker = TrackerService(db, clock)
    with pytest.raises(StateError, match="unapproved"):
        tracker.depart(office, visit.id)
    approvals.approve(school["head"], visit.id, "Approved: attendance concern")

    clock.set(datetime(2026, 11, 25, 9, 45, tzinfo=UTC))
    tracker.depart(office, visit.id)
    clock.advance(timedelta(minutes=14))
    tracker.arrive(office, visit.id)
    assert tracker.raise_due_alarms() == []

    # nobody rings: the office call (10 min after the start) and then the hourly check-in lapse
    clock.advance(timedelta(hours=2))
    raised = tracker.raise_due_alarms()
    assert raised, "a lapsed deadline raises an alarm"
    assert tracker.raise_due_alarms() == []  # each lapse exactly once
    alarms = AlarmService(db, clock)
    alarm_id = raised[0].primary_id
    alarms.acknowledge(office, alarm_id)
    alarms.record_step(office, alarm_id, 1, "no_answer", "voicemail")
    clock.advance(timedelta(minutes=3))
    alarms.resolve(office, alarm_id, "safe_forgot", "Jo rang back: phone was on silent")
    with db.read() as s:
        alarm = s.get(Alarm, alarm_id)
        assert alarm.acknowledged_by == "Sam Office" and alarm.resolution == "safe_forgot"

    tracker.left_property(office, visit.id)
    clock.advance(timedelta(minutes=12))
    tracker.returned(office, visit.id)
    OutcomeService(db, clock).record(
        visitor, visit.id, OutcomeInput(summary="Met Mrs Begum; Aisha to arrive by 8:45")
    )
    with db.read() as s:
        assert s.get(Visit, visit.id).status == "completed"

    printer = PrintService(db, clock)
    pdf = printer.to_bytes(office, "visit-record", visit_id=visit.id)
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages)
    assert "Begum family" in text and "AB12 CDE" in text and "07700 900123" in text

    with db.read() as s:
        kinds = [
            e.kind
            for e in s.scalars(
                select(Event).where(Event.visit_id == visit.id).order_by(Event.at, Event.id)
            )
        ]
    for expected in (
        "booked",
        "submitted",
        "assessed",
        "approved",
        "departed",
        "arrived",
        "alarm_raised",
        "alarm_acknowledged",
        "escalation_step",
        "alarm_resolved",
        "left_property",
        "returned",
        "outcome_recorded",
        "completed",
        "printed",
    ):
        assert expected in kinds, expected
    assert kinds.index("booked") < kinds.index("approved") < kinds.index("departed")
    assert kinds.index("alarm_raised") < kinds.index("alarm_resolved") < kinds.index("returned")
