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
    assert len(warnings) == 3
    assert any("DSL" in w for w in warnings)
    assert (
        outcome_warnings(
            OutcomeInput(safeguarding_concern=True, dsl_informed=True, social_worker_informed=True),
            household,
        )
        == []
    )
