"""Texts from the field, the shared set-up: the SMS gateway stand-in (a local HTTP server), the
school (Jasmin, PIN 4821, safe word bluebell, out with Tom on a visit to the Clarke family at
09:45), and the reads every texts-in test makes afterwards.

Fixtures are imported by name into the test modules that use them (test_texts_in,
test_texts_in_safety, test_duress_no_visit), so each set-up is written once.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from hvdesk.models import Alarm, Event, Household, InboundText, OutboxMessage, Visit
from hvdesk.services.lone_working import LoneWorkingInput, LoneWorkingService
from hvdesk.services.staff import StaffInput, StaffService
from hvdesk.services.text_polling import TextPollingService
from hvdesk.services.tracker import TrackerService
from tests.gateway_standin import GatewayStandIn
from tests.notifykit import add_contact

MIN = timedelta(minutes=1)
SEC = timedelta(seconds=1)
JASMIN = "+447700900123"
TOM = "+447700900456"
LINDA, PRIYA = "+447700900701", "+447700900702"  # escalation contacts 1 and 2


@pytest.fixture
def gateway(httpserver) -> GatewayStandIn:
    return GatewayStandIn(httpserver)


@pytest.fixture
def school(db, clock, office, make_visit):
    """Jasmin (PIN 4821, safe word bluebell) and Tom, out on a visit to the Clarke family."""
    staff = StaffService(db, clock)
    jasmin = staff.create(office, StaffInput(name="Jasmin Patel", mobile="07700 900123")).id
    tom = staff.create(office, StaffInput(name="Tom Lee", mobile="07700 900456")).id
    lone = LoneWorkingService(db, clock)
    lone.record(
        office,
        jasmin,
        LoneWorkingInput(
            "07700 900123", "bluebell", "bluebell", clock.now().date(), True, "4821", "4821"
        ),
    )
    with db.transaction() as s:
        homes = []
        for name in ("Clarke family", "Ahmed family"):
            home = Household(
                name=name,
                address="1 Hill St, Birmingham",
                postcode="B17 0AB",
                created_at=clock.now(),
            )
            s.add(home)
            s.flush()
            homes.append(home.id)
    start = clock.now().replace(hour=10, minute=0)
    visit = make_visit(
        household_id=homes[0], lead_id=jasmin, companion_id=tom, start=start, status="approved"
    )
    clock.set(start - 15 * MIN)
    TrackerService(db, clock).depart(office, visit)
    return {"jasmin": jasmin, "tom": tom, "visit": visit, "homes": homes, "start": start}


def second_visit_out(db, clock, office, school, make_visit) -> int:
    """Jasmin also out on a lone visit to the Ahmed family (departed now): two visits out."""
    second = make_visit(
        household_id=school["homes"][1],
        lead_id=school["jasmin"],
        start=school["start"],
        status="approved",
    )
    TrackerService(db, clock).depart(office, second)
    return second


def back_at_school(db, clock, office, school) -> None:
    """Jasmin back from the Clarke family at 11:30; the clock at 12:00, between visits."""
    clock.set(school["start"] + 90 * MIN)
    TrackerService(db, clock).returned(office, school["visit"])
    clock.set(school["start"] + 2 * 60 * MIN)


def texted(db, clock, gateway, body: str = "bluebell") -> Alarm:
    """Jasmin texts `body` now and hvdesk polls: the one alarm then open."""
    gateway.text(body, clock.now())
    poll(db, clock, gateway)
    [alarm] = open_alarms(db)
    return alarm


def linda_on_the_ladder(db, clock, gateway, *, priya: bool = False) -> None:
    """The gateway configured for texts out, Linda Francis first on the ladder (Priya next)."""
    gateway.configure(db, clock.now())
    add_contact(db, clock, "Linda Francis", LINDA, "", 1)
    if priya:
        add_contact(db, clock, "Priya Shah", PRIYA, "", 2)


def poll(db, clock, gateway):
    return TextPollingService(db, clock).poll(gateway.adapter())


def timeline(db, visit_id, kind=None) -> list[Event]:
    with db.read() as s:
        stmt = select(Event).where(Event.visit_id == visit_id).order_by(Event.at, Event.id)
        if kind:
            stmt = stmt.where(Event.kind == kind)
        return list(s.scalars(stmt))


def replies(db) -> list[str]:
    with db.read() as s:
        return list(s.scalars(select(OutboxMessage.body).order_by(OutboxMessage.id)))


def visit(db, visit_id) -> Visit:
    with db.read() as s:
        return s.get(Visit, visit_id)


def texts(db) -> list[InboundText]:
    with db.read() as s:
        return list(s.scalars(select(InboundText).order_by(InboundText.id)))


def open_alarms(db) -> list[Alarm]:
    with db.read() as s:
        return list(s.scalars(select(Alarm).where(Alarm.resolved_at.is_(None))))


def monitor_can_text(db, clock, gateway, monkeypatch, tmp_path) -> None:
    """hvdesk's SMS settings point at the stand-in, with its token, as a monitor reads them."""
    from tests.gateway_standin import TOKEN

    monkeypatch.setenv("HVDESK_SMS_TOKEN", TOKEN)
    monkeypatch.setenv("HVDESK_SECRETS_FILE", str(tmp_path / "secrets.json"))
    gateway.configure(db, clock.now())


def safety_checks_on(db, clock, approver) -> None:
    """The policy switch: the worker is texted when a check-in falls due."""
    from hvdesk.services.settings import SettingsService

    settings = SettingsService(db, clock)
    settings.save_policy(approver, settings.policy().with_changes(text_safety_check=True))
