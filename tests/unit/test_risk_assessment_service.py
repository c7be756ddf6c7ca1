"""Risk-assessment service: fresh start, draft and resume, completion, reuse and review, blocking."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hvdesk.errors import NotAllowed, StateError, ValidationError
from hvdesk.models import Event, Household, RiskAssessment, Staff, Visit, VisitStatus
from hvdesk.rules.risk import PERSONAL_SAFETY_CHECKLIST, WHEN_NOT_TO_VISIT
from hvdesk.services.approval import ApprovalService
from hvdesk.services.households import HouseholdService
from hvdesk.services.risk_assessment import RiskAssessmentService
from hvdesk.services.settings import SettingsService


@pytest.fixture
def svc(demo_db, clock) -> RiskAssessmentService:
    return RiskAssessmentService(demo_db, clock)


def household_named(db, name: str) -> Household:
    with db.read() as s:
        return s.scalars(select(Household).where(Household.name == name)).one()


def staff_id(db, name: str) -> int:
    with db.read() as s:
        return s.scalars(select(Staff.id).where(Staff.name == name)).one()


def never_visited(db, clock=None) -> Household:
    """A new household with one known risk (a large dog) and no assessment yet."""
    from hvdesk.clock import FakeClock
    from hvdesk.services.base import Actor
    from hvdesk.services.households import HouseholdInput

    clock = clock or FakeClock()
    homes = HouseholdService(db, clock)
    who = Actor(None, "Test set-up", "office")
    with db.read() as s:
        count = len(s.scalars(select(Household.id)).all())
    h = homes.create(
        who, HouseholdInput(name=f"Test family {count}", address="1 Test Road", postcode="B17 0AB")
    )
    homes.add_risk(who, h.id, "animals", "Large dog, kept in the garden when asked")
    return homes.get(h.id)


@pytest.fixture
def pair(demo_db):
    return staff_id(demo_db, "Jasmin Patel"), staff_id(demo_db, "Kamran Ahmed")


def answer_all(form, *, yes: str | None = None) -> None:
    form.when_not_to_visit = {k: k == yes for k in WHEN_NOT_TO_VISIT}
    form.checklist = dict.fromkeys(PERSONAL_SAFETY_CHECKLIST, True)
    form.information["cpoms_checked"] = True
    for answer in form.known_risks.values():
        if answer.present and not answer.note:
            answer.note = "known"


def events(db, kind, visit_id=None):
    with db.read() as s:
        stmt = select(Event).where(Event.kind == kind)
        if visit_id is not None:
            stmt = stmt.where(Event.visit_id == visit_id)
        return list(s.scalars(stmt))


def test_fresh_form_prefills_st_hughs_hazards_and_household_risks(
    svc, demo_db, office, make_visit, pair
):
    h = never_visited(demo_db)
    vid = make_visit(household_id=h.id, lead_id=pair[0], companion_id=pair[1])
    form = svc.start(office, vid)
    assert form.based_on_id is None and form.assessment_id is None
    assert len(form.hazards) == 5 and form.hazards[0].hazard.startswith("Aggressive")
    assert all(a is None for a in form.when_not_to_visit.values())
    assert form.assessor_name == "Sam Office" and form.household_name == h.name
    risk = h.risks[0]
    if risk.kind in form.known_risks:
        assert form.known_risks[risk.kind].present
        assert risk.description in form.known_risks[risk.kind].note
    else:
        assert risk.description in form.other_risks


def test_draft_is_saved_and_resumed_with_what_was_entered(svc, demo_db, office, make_visit, pair):
    h = never_visited(demo_db)
    vid = make_visit(household_id=h.id, lead_id=pair[0], companion_id=pair[1])
    form = svc.start(office, vid)
    form.information["cpoms_checked"] = True
    form.information_notes = "CPOMS: nothing for staff"
    form.when_not_to_visit["high_risk"] = False
    form.hazards[1].likelihood = 2
    form.hazards.pop()
    svc.save_draft(office, form)
    assert form.assessment_id is not None
    again = svc.start(office, vid)
    assert again.assessment_id == form.assessment_id
    assert again.information["cpoms_checked"] and again.information_notes.startswith("CPOMS")
    assert again.when_not_to_visit["high_risk"] is False
    assert again.when_not_to_visit["recent_violence"] is None
    assert len(again.hazards) == 4 and again.hazards[1].likelihood == 2
    assert events(demo_db, "assessment_draft_saved", vid)
    with demo_db.read() as s:
        assert s.get(Visit, vid).risk_assessment_id is None  # a draft is not the assessment


def test_completion_lists_every_problem_and_saves_nothing(svc, demo_db, office, make_visit, pair):
    h = never_visited(demo_db)
    vid = make_visit(household_id=h.id, lead_id=pair[0], companion_id=pair[1])
    form = svc.start(office, vid)
    form.assessor_name = " "
    form.hazards[0].controls = ""
    form.known_risks["animals"].present = True
    form.known_risks["animals"].note = ""
    with pytest.raises(ValidationError) as caught:
        svc.complete(office, form)
    err = caught.value
    assert err.for_field("Assessor") == "is required; please fill it in"
    assert "answer yes or no" in err.for_field("When not to visit, question 1")
    assert "answer yes or no" in err.for_field("When not to visit, question 3")
    assert "reduced" in err.for_field("Hazard 1 controls")
    assert "who, what and when" in err.for_field("Known risk: Animals (e.g. dogs)")
    with demo_db.read() as s:
        assert s.scalars(select(RiskAssessment).where(RiskAssessment.visit_id == vid)).all() == []


def test_complete_links_visit_audits_and_clears_review(svc, demo_db, office, make_visit, pair):
    h = never_visited(demo_db)
    vid = make_visit(household_id=h.id, lead_id=pair[0], companion_id=pair[1])
    HouseholdService(demo_db, svc.clock).add_risk(office, h.id, "animals", "Two large dogs")
    assert household_named(demo_db, h.name).assessment_needs_review
    form = svc.start(office, vid)
    answer_all(form)
    done = svc.complete(office, form)
    assert not done.summary.blocked and not done.sent_back
    with demo_db.read() as s:
        visit = s.get(Visit, vid)
        row = s.get(RiskAssessment, visit.risk_assessment_id)
        assert row.id == done.assessment_id and row.status == "complete"
        assert row.assessed_at == svc.clock.now() and row.assessor_user_id == office.user_id
        assert len(row.hazards) == 5 and row.hazards[0].level == "low"
    assert not household_named(demo_db, h.name).assessment_needs_review
    [ev] = events(demo_db, "assessed", vid)
    assert ev.user_name == "Sam Office" and "Overall risk" in ev.note
    with pytest.raises(StateError, match="already complete"):
        svc.save_draft(office, form)  # a completed assessment is a record


def test_second_visit_starts_from_last_assessment_and_asks_what_changed(
    svc, demo_db, office, make_visit, pair, clock
):
    h = never_visited(demo_db)
    first = make_visit(household_id=h.id, lead_id=pair[0], companion_id=pair[1])
    form = svc.start(office, first)
    answer_all(form)
    form.hazards[1].controls = "Park on the main road"
    first_id = svc.complete(office, form).assessment_id
    clock.advance(3600)
    HouseholdService(demo_db, clock).add_risk(office, h.id, "aggression", "Uncle shouted at TA")
    second = make_visit(household_id=h.id, lead_id=pair[0], companion_id=pair[1])
    review = svc.start(office, second)
    assert review.based_on_id == first_id and review.is_review
    assert "assessed 24 Nov 2026 by Sam Office" in review.based_on_text
    assert review.hazards[1].controls == "Park on the main road"  # starts from the last one
    assert review.when_not_to_visit == dict.fromkeys(WHEN_NOT_TO_VISIT, False)
    assert not any(review.checklist.values())  # the checklist is gone through for each visit
    aggression = review.known_risks["aggression"]
    assert aggression.present and aggression.new and "Uncle shouted" in aggression.note
    # the approval check on the old visit now sees the new risk
    assert "assessment_review" in [
        f.code for f in ApprovalService(demo_db, clock).check(first).blocking
    ]
    review.checklist = dict.fromkeys(PERSONAL_SAFETY_CHECKLIST, True)
    with pytest.raises(ValidationError, match="What has changed"):
        svc.complete(office, review)
    review.changes_note = "Uncle now living there; pair visit, meet at the door"
    done = svc.complete(office, review)
    with demo_db.read() as s:
        row = s.get(RiskAssessment, done.assessment_id)
        assert row.based_on_id == first_id and row.overall_level == "medium"
    assert not household_named(demo_db, h.name).assessment_needs_review


def test_no_reuse_policy_starts_fresh(svc, demo_db, office, approver, make_visit, pair, clock):
    SettingsService(demo_db, clock).apply_preset(approver, "st_hughs")
    h = never_visited(demo_db)
    first = make_visit(household_id=h.id, lead_id=pair[0], companion_id=pair[1])
    form = svc.start(office, first)
    answer_all(form)
    svc.complete(office, form)
    second = make_visit(household_id=h.id, lead_id=pair[0], companion_id=pair[1])
    assert svc.start(office, second).based_on_id is None


def test_when_not_to_visit_blocks_until_the_facts_change(
    svc, demo_db, office, approver, make_visit, pair, clock
):
    h = never_visited(demo_db)
    vid = make_visit(household_id=h.id, lead_id=pair[0], companion_id=pair[1])
    form = svc.start(office, vid)
    answer_all(form, yes="recent_violence")
    done = svc.complete(office, form)
    assert done.summary.blocked and done.summary.level.value == "high"
    with demo_db.read() as s:
        row = s.get(RiskAssessment, done.assessment_id)
        assert (
            row.blocked and "perpetrator" in row.block_reason and "To unblock" in row.block_reason
        )
    approvals = ApprovalService(demo_db, clock)
    approvals.submit(office, vid)
    with pytest.raises(StateError, match="perpetrator"):
        approvals.approve(approver, vid, "ok")
    # only changing the facts unblocks it: a new assessment saying what changed
    review = svc.start(office, vid)
    assert review.based_on_id == done.assessment_id
    review.when_not_to_visit["recent_violence"] = False
    review.changes_note = "Perpetrator has moved away (police confirmed)"
    svc.complete(office, review)
    assert approvals.check(vid).can_approve


def test_reassessing_an_approved_visit_sends_it_back(svc, demo_db, office, approver, clock):
    with demo_db.read() as s:
        approved = s.scalars(
            select(Visit).where(Visit.status == "approved", Visit.start > clock.now())
        ).first()
    form = svc.start(office, approved.id)
    assert form.based_on_id == approved.risk_assessment_id
    answer_all(form)
    form.changes_note = "Dog now kept in the house"
    done = svc.complete(office, form)
    assert done.sent_back
    with demo_db.read() as s:
        visit = s.get(Visit, approved.id)
        assert visit.status == VisitStatus.AWAITING_APPROVAL and visit.approved_by_id is None
    assert events(demo_db, "sent_back_for_approval", approved.id)


def test_roles_and_states(svc, demo_db, visitor, clock):
    from hvdesk.services.base import Actor

    with demo_db.read() as s:
        done = s.scalars(select(Visit).where(Visit.status == "completed")).first()
        draft = s.scalars(select(Visit).where(Visit.status == "draft")).first()
    with pytest.raises(StateError, match="no longer changed"):
        svc.start(visitor, done.id)
    assert svc.start(visitor, draft.id).assessor_name == "Jasmin Patel"  # visiting staff assess
    with pytest.raises(NotAllowed):
        svc.start(Actor(None, "IT", "admin"), draft.id)


def test_review_never_drops_a_known_risk_an_earlier_assessment_left_out(svc, demo_db, office):
    """An assessment made without the household's known risks: a review of it ticks every
    current risk on record (not marked new, as it was known before)."""
    with demo_db.transaction() as s:
        visit = next(
            v
            for v in s.scalars(select(Visit).where(Visit.status == "awaiting_approval"))
            if [r for r in v.household.risks if r.ended_at is None]
        )
        risk = next(r for r in visit.household.risks if r.ended_at is None)
        s.get(RiskAssessment, visit.risk_assessment_id).known_risks = {}  # the earlier omission
    form = svc.start(office, visit.id)
    assert form.is_review
    if risk.kind in form.known_risks:
        answer = form.known_risks[risk.kind]
        assert answer.present and not answer.new and risk.description in answer.note
    else:
        assert risk.description in form.other_risks and "NEW" not in form.other_risks
    again = svc.start(office, visit.id)  # starting twice never duplicates the notes
    assert again.other_risks == form.other_risks
