"""Two pollers on one PostgreSQL database and one gateway: every text is recorded exactly once."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from hvdesk.clock import SystemClock
from hvdesk.db import Database
from hvdesk.events import EventKind
from hvdesk.models import Event, InboundText, OutboxMessage, Role, Staff
from hvdesk.services.lone_working import LoneWorkingService
from hvdesk.services.text_polling import TextPollingService
from tests.conftest import _user
from tests.gateway_standin import GatewayStandIn
from tests.notifykit import visit_out

pytestmark = pytest.mark.slow


def test_two_pollers_on_postgresql_record_each_text_once(pg_url, httpserver):
    clock = SystemClock()
    setup = Database(pg_url)
    office = _user(setup, "t_office", "Sam Office", Role.OFFICE)
    visit_id = visit_out(setup, clock, office)
    with setup.read() as s:
        staff_id = s.scalar(select(Staff.id).where(Staff.name == "Jasmin Patel"))
    LoneWorkingService(setup, clock).set_pin(office, staff_id, "4821", "4821")
    gateway = GatewayStandIn(httpserver, page_size=2)
    for _ in range(6):
        gateway.text("OK 4821", clock.now())
    seats = [Database(pg_url), Database(pg_url)]
    errors: list[BaseException] = []

    def run(db: Database) -> None:
        try:
            TextPollingService(db, clock).poll(gateway.adapter())
        except BaseException as err:  # pragma: no cover - reported below
            errors.append(err)

    threads = [threading.Thread(target=run, args=(db,)) for db in seats]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with setup.read() as s:
        assert s.scalar(select(func.count(InboundText.id))) == 6
        assert s.scalar(select(func.count(OutboxMessage.id))) == 6
        checked = s.scalar(
            select(func.count(Event.id)).where(
                Event.visit_id == visit_id, Event.kind == EventKind.CHECKED_IN.value
            )
        )
    assert checked == 6
    for db in (*seats, setup):
        db.dispose()
