from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from hvdesk.errors import StateError, ValidationError
from hvdesk.models import Event, Visit, VisitStatus
from hvdesk.services.outcomes import OutcomeInput, OutcomeService, outcome_warnings


def visit_with(db, status):
    with db.read() as s:
        return s.scalars(select(Visit).where(Visit.status == status)).first()


def test_recording_completes_a_returned_visit(demo_db, clock, office):
    visit = visit_with(demo_db, VisitStatus.RETURNED)
    svc = OutcomeService(demo_db, clock)
    svc.record(
        office,
        visit.id,
        OutcomeInput(summary="Met Mum; agreed 8:45 arrival", follow_up_date=date(2026, 12, 8)),
    )
    with demo_db.read() as s:
        assert s.get(Visit, visit.id).status == "completed"
        kinds = [e.kind for e in s.scalars(select(Event).where(Event.visit_id == visit.id))]
    assert kinds[-2:] == ["outcome_recorded", "completed"]
    assert svc.get(visit.id).recorded_by == "Sam Office"


def test_outcome_validation(demo_db, clock, office):
    visit = visit_with(demo_db, VisitStatus.RETURNED)
    svc = OutcomeService(demo_db, clock)
    with pytest.raises(ValidationError) as err:
        svc.record(office, visit.id, OutcomeInput(summary=" ", follow_up_date=date(2026, 1, 1)))
    assert {e.field for e in err.value.errors} == {"Summary", "Follow-up date"}
    assert visit_with(demo_db, VisitStatus.RETURNED).id == visit.id


def test_cannot_write_up_before_return(demo_db, clock, office):
    visit = visit_with(demo_db, VisitStatus.ON_SITE)
    with pytest.raises(StateError, match="returned"):
        OutcomeService(demo_db, clock).record(office, visit.id, OutcomeInput(summary="x"))


def test_warnings_follow_the_policies(demo_db, clock):
    from hvdesk.services.visits import VisitQueries

    visit = visit_with(demo_db, VisitStatus.RETURNED)
    household = VisitQueries(demo_db, clock).get(visit.id).household
    household.social_worker_name = "Dana Whitfield"
    warnings = outcome_warnings(
        OutcomeInput(safeguarding_concern=True, nobody_home=True), household
    )
    assert len(warnings) == 2  # the social worker is a rule that holds, not a warning
    assert any("DSL" in w for w in warnings)
    assert (
        outcome_warnings(
            OutcomeInput(safeguarding_concern=True, dsl_informed=True, social_worker_informed=True),
            household,
        )
        == []
    )


def _returned_with_social_worker(db, *, told_before: bool = False) -> Visit:
    from hvdesk.models import Household, RiskAssessment

    visit = visit_with(db, VisitStatus.RETURNED)
    with db.transaction() as s:
        household = s.get(Household, visit.household_id)
        household.social_worker_name = "Dana Whitfield"
        household.social_worker_phone = "+441214960999"
        v = s.get(Visit, visit.id)
        if v.risk_assessment_id is not None:
            ra = s.get(RiskAssessment, v.risk_assessment_id)
            ra.information = {**(ra.information or {}), "social_worker_contacted": told_before}
        elif told_before:
            raise AssertionError("demo visit has no risk assessment")
    return visit


def test_social_worker_informed_or_audited_not_yet_because(demo_db, clock, office):
    """Thomas More: where the family has a social worker, saving an outcome needs 'informed' or an
    explicit 'not yet, because …', which is audited and stays on Today until done."""
    visit = _returned_with_social_worker(demo_db)
    svc = OutcomeService(demo_db, clock)
    with pytest.raises(ValidationError) as err:
        svc.record(office, visit.id, OutcomeInput(summary="Saw Mum"))
    assert err.value.errors[0].field == "Social worker"
    assert visit_with(demo_db, VisitStatus.RETURNED).id == visit.id  # nothing saved
    svc.record(
        office,
        visit.id,
        OutcomeInput(summary="Saw Mum", social_worker_not_yet_reason="on leave until Monday"),
    )
    pending = svc.social_worker_pending()
    assert [(p.visit_id, p.reason) for p in pending] == [(visit.id, "on leave until Monday")]
    svc.social_worker_informed(office, visit.id, "rang Dana")
    assert svc.social_worker_pending() == []
    with demo_db.read() as s:
        notes = [
            (e.kind, e.note)
            for e in s.scalars(select(Event).where(Event.visit_id == visit.id).order_by(Event.id))
            if e.kind.startswith("social_worker")
        ]
    assert notes == [
        ("social_worker_not_yet", "Not yet, because: on leave until Monday"),
        ("social_worker_informed", "Dana Whitfield informed: rang Dana"),
    ]
    assert svc.get(visit.id).social_worker_informed_at == clock.now()


def test_social_worker_told_before_the_visit_counts(demo_db, clock, office):
    visit = _returned_with_social_worker(demo_db, told_before=True)
    svc = OutcomeService(demo_db, clock)
    svc.record(office, visit.id, OutcomeInput(summary="Saw Mum"))
    assert svc.get(visit.id).social_worker_informed
    assert svc.social_worker_pending() == []
