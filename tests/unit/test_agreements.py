"""Agreements with parents: written on the outcome with a date, tracked, kept or broken; a broken
one is noted on the pupil's attendance record and has a reminder letter (Harrogate, St Hugh's)."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pypdf
import pytest
from sqlalchemy import select

from hvdesk.errors import StateError, ValidationError
from hvdesk.models import Event, Visit, VisitStatus
from hvdesk.rules.agreements import AgreementItem, parse_agreements
from hvdesk.services.agreements import AgreementService
from hvdesk.services.outcomes import OutcomeInput, OutcomeService

TODAY = date(2026, 11, 24)


def test_parse_dated_lines_and_explain_bad_ones():
    text = (
        "Ben to arrive by 8:45 every day — by 11/12/2026\n"
        "Mum to ring on any day of absence, by 2026-12-04.\n"
        "Talked about the bus pass\n"
        "Something by 31/02/2027\n"
        "Old promise by 01/01/2026\n"
    )
    items, errors = parse_agreements(text, TODAY)
    assert items == [
        AgreementItem("Ben to arrive by 8:45 every day", date(2026, 12, 11)),
        AgreementItem("Mum to ring on any day of absence", date(2026, 12, 4)),
    ]
    assert errors == [
        "line 4: '31/02/2027' is not a date; write by 11/12/2026",
        "line 5: 01/01/2026 has passed; give a date from today on",
    ]


@pytest.fixture
def written_up(demo_db, clock, office) -> Visit:
    with demo_db.read() as s:
        visit = s.scalars(select(Visit).where(Visit.status == VisitStatus.RETURNED)).first()
    OutcomeService(demo_db, clock).record(
        office,
        visit.id,
        OutcomeInput(
            summary="Met Mum",
            agreements="Ben in school by 8:45 — by 01/12/2026\nGeneral chat about routines",
            social_worker_not_yet_reason="on leave",
        ),
    )
    return visit


def test_outcome_agreements_become_tracked_items_once(written_up, demo_db, clock, office):
    svc = AgreementService(demo_db, clock)
    rows = svc.list()
    assert [(r.what, r.due, r.status) for r in rows] == [
        ("Ben in school by 8:45", date(2026, 12, 1), "open")
    ]
    OutcomeService(demo_db, clock).record(  # saved again: not tracked twice
        office,
        written_up.id,
        OutcomeInput(
            summary="Met Mum",
            agreements="Ben in school by 8:45 — by 01/12/2026",
            social_worker_not_yet_reason="on leave",
        ),
    )
    assert len(svc.list()) == 1
    with pytest.raises(ValidationError, match="Agreements"):
        OutcomeService(demo_db, clock).record(
            office, written_up.id, OutcomeInput(summary="x", agreements="Y by 40/40/2026")
        )


def test_broken_agreement_noted_on_attendance_record_with_a_reminder_letter(
    written_up, demo_db, clock, office
):
    svc = AgreementService(demo_db, clock)
    row = svc.list()[0]
    assert svc.due() == []
    clock.advance(timedelta(days=8))
    assert [a.id for a in svc.due()] == [row.id]
    with pytest.raises(StateError, match="record it as broken first"):
        svc.reminder_pdf(office, row.id)
    svc.broken(office, row.id, "late 4 days out of 5")
    assert svc.due() == []
    notes = svc.attendance_notes(row.pupil_id)
    assert [n.note for n in notes] == [
        "Agreement with parents broken: 'Ben in school by 8:45' (due 01/12/2026). "
        "late 4 days out of 5"
    ]
    pdf = svc.reminder_pdf(office, row.id)
    text = re.sub(r"\s+", " ", pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text())
    assert "Ben in school by 8:45" in text and f"HV{written_up.id}" in text
    with pytest.raises(StateError, match="already recorded as broken"):
        svc.kept(office, row.id)
    with demo_db.read() as s:
        kinds = [e.kind for e in s.scalars(select(Event).where(Event.visit_id == written_up.id))]
    assert "agreement_broken" in kinds and kinds[-1] == "printed"


def test_household_timeline_has_visits_outcomes_agreements_letters_and_attendance(
    written_up, demo_db, clock, office
):
    from hvdesk.services.incidents import IncidentInput, IncidentService
    from hvdesk.services.timeline import TimelineService

    svc = AgreementService(demo_db, clock)
    row = svc.list()[0]
    clock.advance(timedelta(days=8))
    svc.broken(office, row.id)
    svc.reminder_pdf(office, row.id)
    IncidentService(demo_db, clock).record(
        office, IncidentInput(what="Shouting", visit_id=written_up.id)
    )
    entries = TimelineService(demo_db, clock).household(written_up.household_id)
    whats = {e.what for e in entries}
    assert {"Visit", "Outcome", "Agreement", "Letter", "Incident", "Attendance"} <= whats
    assert "Agreement broken" in whats
    assert [e.at for e in entries] == sorted(e.at for e in entries)


# --- review of issue 12: saving a corrected outcome again ---------------------------------------


def _resave(demo_db, clock, office, visit_id: int, agreements: str):
    return OutcomeService(demo_db, clock).record(
        office,
        visit_id,
        OutcomeInput(
            summary="Met Mum", agreements=agreements, social_worker_not_yet_reason="on leave"
        ),
    )


def test_outcome_can_be_saved_again_after_an_agreements_date_has_passed(
    written_up, demo_db, clock, office
):
    clock.advance(timedelta(days=10))  # 01/12/2026 has passed
    _resave(demo_db, clock, office, written_up.id, "Ben in school by 8:45 — by 01/12/2026\nMore")
    with pytest.raises(ValidationError, match="has passed"):  # a new line still needs a future date
        _resave(demo_db, clock, office, written_up.id, "Mum to ring the office by 02/12/2026")
    rows = AgreementService(demo_db, clock).list()
    assert [(r.what, r.status) for r in rows] == [("Ben in school by 8:45", "open")]


def test_changing_an_agreements_date_updates_it_and_removing_a_line_withdraws_it(
    written_up, demo_db, clock, office
):
    svc = AgreementService(demo_db, clock)
    _resave(demo_db, clock, office, written_up.id, "Ben in school by 8:45 — by 08/12/2026")
    assert [(r.what, r.due, r.status) for r in svc.list()] == [
        ("Ben in school by 8:45", date(2026, 12, 8), "open")
    ]
    _resave(demo_db, clock, office, written_up.id, "Ben in school by 8:40 — by 08/12/2026")
    assert [(r.what, r.due) for r in svc.list()] == [("Ben in school by 8:40", date(2026, 12, 8))]
    _resave(demo_db, clock, office, written_up.id, "General chat only")
    assert [(r.what, r.status) for r in svc.list()] == [("Ben in school by 8:40", "withdrawn")]
    assert svc.due() == [] and svc.list(open_only=True) == []
    with demo_db.read() as s:
        event = s.scalar(select(Event).where(Event.kind == "agreement_withdrawn"))
    assert event.note == "'Ben in school by 8:40' (due 08/12/2026): removed from the outcome"
    assert event.user_name == office.name


def test_reconcile_matches_unchanged_then_edited_lines_and_withdraws_the_rest():
    from hvdesk.rules.agreements import TrackedItem, reconcile

    tracked = [
        TrackedItem(1, "A", date(2026, 12, 1)),
        TrackedItem(2, "B", date(2026, 12, 2)),
        TrackedItem(3, "C", date(2026, 12, 3)),
    ]
    items = [
        AgreementItem("A", date(2026, 12, 1)),  # unchanged
        AgreementItem("B", date(2026, 12, 9)),  # new date
        AgreementItem("D", date(2026, 12, 20)),  # new
    ]
    done = reconcile(items, tracked)
    assert done.updated == [(2, AgreementItem("B", date(2026, 12, 9)))]
    assert done.added == [AgreementItem("D", date(2026, 12, 20))]
    assert done.withdrawn == [3]
