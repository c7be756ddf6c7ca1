"""Approval service: submit, the queue, approve/reject by role, and no approval by any other path."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from hvdesk.errors import NotAllowed, StateError, ValidationError
from hvdesk.models import Event, Staff, Visit, VisitStatus
from hvdesk.rules.risk import PERSONAL_SAFETY_CHECKLIST, WHEN_NOT_TO_VISIT
from hvdesk.services.approval import ApprovalService
from hvdesk.services.base import Actor
from hvdesk.services.cancellation import CancellationService
from hvdesk.services.risk_assessment import RiskAssessmentService
from hvdesk.services.settings import SettingsService


@pytest.fixture
def svc(demo_db, clock) -> ApprovalService:
    return ApprovalService(demo_db, clock)


def staff_id(db, name: str) -> int:
    with db.read() as s:
        return s.scalars(select(Staff.id).where(Staff.name == name)).one()


def events(db, kind, visit_id):
    with db.read() as s:
        return list(s.scalars(select(Event).where(Event.kind == kind, Event.visit_id == visit_id)))


def status(db, visit_id) -> str:
    with db.read() as s:
        return s.get(Visit, visit_id).status


def assess(db, clock, actor, visit_id, *, yes: str | None = None, cpoms=True) -> None:
    svc = RiskAssessmentService(db, clock)
    form = svc.start(actor, visit_id)
    form.when_not_to_visit = {k: k == yes for k in WHEN_NOT_TO_VISIT}
    form.checklist = dict.fromkeys(PERSONAL_SAFETY_CHECKLIST, True)
    form.information["cpoms_checked"] = cpoms
    form.information["social_worker_contacted"] = True
    for answer in form.known_risks.values():
        answer.note = answer.note or ("known" if answer.present else "")
    if form.is_review:
        form.changes_note = "Nothing has changed"
    svc.complete(actor, form)


@pytest.fixture
def visit_for(demo_db, clock, make_visit, office):
    """A new assessed draft visit: pair by default, household 2 (no social worker)."""

    def make(*names: str, assessed: bool = True, **fields) -> int:
        names = names or ("Jasmin Patel", "Kamran Ahmed")
        ids = [staff_id(demo_db, n) for n in names]
        vid = make_visit(
            household_id=2,
            lead_id=ids[0],
            companion_id=ids[1] if len(ids) > 1 else None,
            **fields,
        )
        if assessed:
            assess(demo_db, clock, office, vid)
        return vid

    return make


def test_submit_is_idempotent(svc, demo_db, office, visit_for):
    vid = visit_for()
    svc.submit(office, vid, "Please approve")
    svc.submit(office, vid)  # booking may submit too: no harm, no second event
    assert status(demo_db, vid) == VisitStatus.AWAITING_APPROVAL
    [ev] = events(demo_db, "submitted", vid)
    assert ev.note == "Please approve" and ev.user_name == "Sam Office"


def test_submit_refuses_visits_past_approval(svc, demo_db, office):
    with demo_db.read() as s:
        done = s.scalars(select(Visit).where(Visit.status == "completed")).first()
    with pytest.raises(StateError, match="only a draft or a rejected visit"):
        svc.submit(office, done.id)


def test_approver_approves_a_clean_visit(svc, demo_db, office, approver, visit_for):
    vid = visit_for()
    svc.submit(office, vid)
    assert svc.check(vid).findings == []
    svc.approve(approver, vid)
    with demo_db.read() as s:
        visit = s.get(Visit, vid)
        assert visit.status == "approved" and visit.approved_by_id == approver.user_id
        assert visit.approved_at == svc.clock.now() and visit.approval_note == "Approved"
    [ev] = events(demo_db, "approved", vid)
    assert ev.user_name == "Linda Francis" and ev.data["lone_visit_decision"] is False


def test_office_cannot_approve_or_reject(svc, demo_db, office, visit_for):
    vid = visit_for()
    svc.submit(office, vid)
    with pytest.raises(NotAllowed, match="approver"):
        svc.approve(office, vid, "looks fine")
    with pytest.raises(NotAllowed, match="approver"):
        svc.reject(office, vid, "no")
    # an Actor claiming to be an approver is checked against the database
    forged = Actor(office.user_id, office.name, "approver")
    with pytest.raises(NotAllowed, match="signed-in user with the approver role"):
        svc.approve(forged, vid, "looks fine")
    assert status(demo_db, vid) == VisitStatus.AWAITING_APPROVAL
    assert events(demo_db, "approved", vid) == []


def test_no_other_path_can_approve_a_visit(svc, demo_db, office, visit_for):
    """An edit through any service (one session, one flush) can never make a visit approved."""
    vid = visit_for()
    svc.submit(office, vid)
    with (
        pytest.raises(NotAllowed, match="only be approved by an approver"),
        demo_db.transaction() as s,
    ):
        s.get(Visit, vid).status = "approved"
    with pytest.raises(NotAllowed), demo_db.transaction() as s:
        s.get(Visit, vid).approved_by_id = office.user_id
    assert status(demo_db, vid) == VisitStatus.AWAITING_APPROVAL
    # moving on from approved (the tracker departing, booking sending back) is not affected
    with demo_db.read() as s:
        approved = s.scalars(select(Visit).where(Visit.status == "approved")).first()
    with demo_db.transaction() as s:
        s.get(Visit, approved.id).status = "awaiting_approval"
    assert status(demo_db, approved.id) == "awaiting_approval"


def test_blocked_visit_cannot_be_approved_and_says_why(
    svc, demo_db, clock, office, approver, visit_for
):
    vid = visit_for(assessed=False)
    assess(demo_db, clock, office, vid, yes="aggression_intoxication")
    svc.submit(office, vid)
    [item] = [i for i in svc.pending() if i.visit.id == vid]
    assert item.check.headline.startswith("✖ Blocked: risk: do not visit")
    assert "do not visit" in item.risk_text
    with pytest.raises(StateError, match="intoxication") as caught:
        svc.approve(approver, vid, "Go ahead")
    assert "Fix:" in str(caught.value)
    assert status(demo_db, vid) == VisitStatus.AWAITING_APPROVAL


def test_unassessed_visit_is_blocked(svc, office, approver, visit_for):
    vid = visit_for(assessed=False)
    svc.submit(office, vid)
    assert [f.code for f in svc.check(vid).blocking] == ["no_assessment"]
    with pytest.raises(StateError, match="No risk assessment"):
        svc.approve(approver, vid, "ok")


def test_lone_visit_needs_explicit_decision_and_note(svc, demo_db, office, approver, visit_for):
    vid = visit_for("Jasmin Patel", lone_visit_reason="Dropping off work; doorstep only")
    svc.submit(office, vid)
    check = svc.check(vid)
    assert check.needs_lone_decision and check.can_approve
    with pytest.raises(ValidationError) as caught:
        svc.approve(approver, vid)
    assert "safe and appropriate" in caught.value.for_field("Lone visit decision")
    assert "lone visit" in caught.value.for_field("Note")
    svc.approve(approver, vid, "Doorstep only, phone in after", lone_visit_decision=True)
    [ev] = events(demo_db, "approved", vid)
    assert ev.data["lone_visit_decision"] is True and ev.data["warnings"] == ["lone_visit"]


def test_lone_visit_without_lone_working_assessment_is_blocked(svc, office, approver, visit_for):
    vid = visit_for("Zoë Brontë-Núñez", lone_visit_reason="Short visit")  # none on file in demo
    svc.submit(office, vid)
    blocking = svc.check(vid).blocking
    assert [f.code for f in blocking] == ["lone_working_missing"]
    assert "Zoë Brontë-Núñez has no current lone working assessment" in blocking[0].reason


def test_hampton_blocks_any_lone_visit(svc, demo_db, clock, office, approver, visit_for):
    SettingsService(demo_db, clock).apply_preset(approver, "hampton")
    vid = visit_for("Jasmin Patel", lone_visit_reason="Short visit")
    svc.submit(office, vid)
    with pytest.raises(StateError, match="not permitted"):
        svc.approve(approver, vid, "ok", lone_visit_decision=True)


def test_staff_without_current_dbs_cannot_be_assigned(svc, office, visit_for):
    vid = visit_for("Jasmin Patel", "Bethan Smith")  # demo: Bethan's DBS has lapsed
    svc.submit(office, vid)
    [finding] = svc.check(vid).blocking
    assert finding.code == "dbs" and "Bethan Smith's DBS check" in finding.reason


def test_out_of_hours_and_evening_need_reason_contact_and_note(
    svc, demo_db, office, approver, visit_for, clock
):
    evening = datetime(2026, 11, 25, 18, 30, tzinfo=UTC)
    vid = visit_for(start=evening)
    svc.submit(office, vid)
    assert {f.code for f in svc.check(vid).blocking} == {
        "out_of_hours_reason",
        "out_of_hours_contact",
    }
    with demo_db.transaction() as s:  # the office edits the visit (as booking would)
        visit = s.get(Visit, vid)
        visit.out_of_hours_reason = "Father works days"
        visit.responsible_contact = "Linda Francis 07700 900999"
    check = svc.check(vid)
    assert [f.code for f in check.findings] == ["evening", "out_of_hours"]
    with pytest.raises(ValidationError, match="evening"):
        svc.approve(approver, vid)
    svc.approve(approver, vid, "Only time father is home; pair, phone at 19:15")
    assert status(demo_db, vid) == "approved"


def test_reject_needs_a_note_and_can_be_resubmitted(svc, demo_db, office, approver, visit_for):
    vid = visit_for()
    svc.submit(office, vid)
    with pytest.raises(ValidationError, match="say why"):
        svc.reject(approver, vid, "  ")
    svc.reject(approver, vid, "Meet in school on Friday instead")
    with demo_db.read() as s:
        visit = s.get(Visit, vid)
        assert visit.status == "rejected" and visit.approval_note.startswith("Meet in school")
    with pytest.raises(StateError, match="only a visit awaiting approval"):
        svc.approve(approver, vid, "changed my mind")
    svc.submit(office, vid, "Family cannot come in; visit needed")
    assert status(demo_db, vid) == VisitStatus.AWAITING_APPROVAL
    assert len(events(demo_db, "submitted", vid)) == 2


def test_approver_decides_on_what_they_saw(svc, demo_db, office, approver, visit_for):
    vid = visit_for()
    svc.submit(office, vid)
    seen = svc.review(vid).visit.row_version
    with demo_db.transaction() as s:
        s.get(Visit, vid).pre_visit_notes = "Changed on another seat"
    with pytest.raises(StateError, match="changed since you opened it"):
        svc.approve(approver, vid, seen_version=seen)
    svc.approve(approver, vid, seen_version=seen + 1)


def test_queue_lists_pending_soonest_first_with_findings(svc, demo_db, office, visit_for):
    vid = visit_for("Jasmin Patel", lone_visit_reason="Drop-off")
    svc.submit(office, vid)
    queue = svc.pending()
    assert all(i.visit.status == "awaiting_approval" for i in queue)
    assert [i.visit.start for i in queue] == sorted(i.visit.start for i in queue)
    mine = next(i for i in queue if i.visit.id == vid)
    assert mine.check.headline == "⚠ lone visit" and mine.risk_text == "● Low"
    assert mine.visit.household.name and mine.visit.lead_staff.name == "Jasmin Patel"


def test_policy_without_approval_approves_clean_visits_on_submit(
    svc, demo_db, clock, office, approver, visit_for
):
    policy = SettingsService(demo_db, clock).policy().with_changes(approval_required=False)
    SettingsService(demo_db, clock).save_policy(approver, policy)
    clean = visit_for()
    svc.submit(office, clean)
    assert status(demo_db, clean) == "approved"
    [ev] = events(demo_db, "approved", clean)
    assert ev.data == {"automatic": True} and "No approval needed" in ev.note
    lone = visit_for("Jasmin Patel", lone_visit_reason="Drop-off")
    svc.submit(office, lone)
    assert status(demo_db, lone) == "awaiting_approval"  # a lone visit is always decided


def test_start_time_passed_and_cancelled(svc, demo_db, clock, office, approver, visit_for):
    vid = visit_for()
    svc.submit(office, vid)
    clock.advance(timedelta(days=2))
    assert [f.code for f in svc.check(vid).blocking] == ["start_passed"]
    CancellationService(demo_db, clock).cancel(office, vid, "family_cancelled")
    with pytest.raises(StateError, match="cancelled"):
        svc.approve(approver, vid, "ok")


def test_lone_working_expiry_is_respected(svc, demo_db, clock, office, visit_for):
    vid = visit_for("Jasmin Patel", lone_visit_reason="Drop-off")
    with demo_db.transaction() as s:
        for row in s.get(Staff, staff_id(demo_db, "Jasmin Patel")).lone_working:
            row.signed_on = date(2025, 11, 1)
    svc.submit(office, vid)
    assert [f.code for f in svc.check(vid).blocking] == ["lone_working_missing"]


def test_a_visit_cannot_depart_until_an_approver_approves_it(
    svc, demo_db, clock, office, approver, visit_for
):
    from hvdesk.services.tracker import TrackerService

    tracker = TrackerService(demo_db, clock)
    vid = visit_for()
    svc.submit(office, vid)
    with pytest.raises(StateError, match="cannot depart unapproved"):
        tracker.depart(office, vid)
    with pytest.raises(NotAllowed):
        svc.approve(office, vid)
    svc.approve(approver, vid)
    clock.advance(timedelta(days=1, hours=0, minutes=50))  # tomorrow 09:50, before the start
    assert tracker.depart(office, vid).status == VisitStatus.OUT
