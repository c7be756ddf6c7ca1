"""Where a text from the field shows: Today's board, the visit's timeline, the alarm window."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from hvdesk.models import Event, LoneWorkingAssessment, Staff
from hvdesk.notify.channels import Inbound
from hvdesk.services.lone_working import LoneWorkingService
from hvdesk.services.texts_in import InboundTextService
from tests.ui.waiting import idle
from ui.notify.feature import NotifyFeature
from ui.tracker.board import BoardModel

pytestmark = pytest.mark.ui


def board_texts(window) -> list[str]:
    model = window.today.findChild(BoardModel)
    return [
        str(model.data(model.index(r, c)))
        for r in range(model.rowCount())
        for c in range(model.columnCount())
    ]


def test_today_says_who_checked_in_by_text(window, qtbot, services, office_actor, clock, tmp_path):
    ctrl = window.tracker_controller
    row = ctrl.board.rows[0]
    staff = row.visit.lead_staff
    with services.db.read() as s:
        has_assessment = s.scalar(
            select(LoneWorkingAssessment.id).where(LoneWorkingAssessment.staff_id == staff.id)
        )
        mobile = s.get(Staff, staff.id).mobile
    assert has_assessment, "the demo signs a lone working assessment for visiting staff"
    LoneWorkingService(services.db, clock).set_pin(office_actor, staff.id, "4821", "4821")
    sent = clock.now() - timedelta(seconds=20)
    handled = InboundTextService(services.db, clock).process(
        Inbound("SMui1", mobile, "+447700900000", "ok 4821", sent)
    )
    assert handled is not None and handled.outcome == "recorded"
    ctrl.check("test")
    first = staff.name.split()[0]
    wanted = f"{first} checked in by text {sent.strftime('%H:%M')}"
    qtbot.waitUntil(lambda: any(wanted in t for t in board_texts(window)))
    with services.db.read() as s:
        event = s.scalars(
            select(Event).where(Event.visit_id == row.visit.id).order_by(Event.id.desc())
        ).first()
    assert event.note.startswith("Checked in: all fine by text from 07")
    window.resize(1280, 720)
    window.grab().save(str(tmp_path / "today_text.png"))


def test_the_status_bar_shows_when_polling_for_texts_fails(
    window, qtbot, services, clock, tmp_path
):
    from hvdesk.notify.channels import ChannelError, InboundPage
    from hvdesk.services.text_polling import TextPollingService

    class Refusing:
        def list_inbound(self, cursor: str | None = None) -> InboundPage:
            raise ChannelError("401 from gateway (check the SMS account and token)")

    class Answering:
        def list_inbound(self, cursor: str | None = None) -> InboundPage:
            return InboundPage([], "")

    label = window.feature(NotifyFeature).status.fault_label
    TextPollingService(services.db, clock).poll(Refusing())
    window.feature(NotifyFeature).status.refresh()
    wanted = f"Texts in failing since {clock.now():%H:%M}: 401 from gateway"
    qtbot.waitUntil(lambda: wanted in label.text() and label.isVisible())
    window.resize(1280, 720)
    window.grab().save(str(tmp_path / "status_fault.png"))
    TextPollingService(services.db, clock).poll(Answering())
    window.feature(NotifyFeature).status.refresh()
    qtbot.waitUntil(lambda: label.isHidden())


def test_departing_without_the_responsible_contact_confirming_asks_first(
    window, qtbot, services, clock, answers
):
    from hvdesk.models import EscalationContact, Visit, VisitStatus

    now = clock.now()
    with services.db.transaction() as s:
        contact = EscalationContact(
            name="Rob Home", mobile="+447700900801", on_ladder=False, created_at=now, updated_at=now
        )
        s.add(contact)
        s.flush()
        visit = s.scalars(
            select(Visit).where(Visit.status == VisitStatus.APPROVED).order_by(Visit.start)
        ).first()
        visit.responsible_contact_id = contact.id
        visit_id = visit.id
    actions = window.tracker_controller.actions
    answers["reply"] = [False]
    actions.depart(visit_id, window)
    idle(window, qtbot)
    title, text = answers["asked"][-1]
    assert title == "Responsible contact not confirmed"
    assert text.startswith("Rob Home, the out-of-hours responsible contact, has not confirmed")
    with services.db.read() as s:
        assert s.get(Visit, visit_id).status == VisitStatus.APPROVED


def test_the_notifications_screen_lists_texts_in_with_the_pin_hidden(
    window, qtbot, services, office_actor, clock, tmp_path
):
    row = window.tracker_controller.board.rows[0]
    staff = row.visit.lead_staff
    LoneWorkingService(services.db, clock).set_pin(office_actor, staff.id, "4821", "4821")
    texts = InboundTextService(services.db, clock)
    texts.process(Inbound("SMui2", staff.mobile, "+447700900000", "ok 4821", clock.now()))
    texts.process(Inbound("SMui3", "+447911123456", "+447700900000", "hello", clock.now()))
    panel = window.feature(NotifyFeature).panel
    window.nav.setCurrentRow(
        next(i for i in range(window.nav.count()) if window.nav.item(i).text() == "Notifications")
    )
    panel.tabs.setCurrentWidget(panel.texts_in)
    panel.refresh()
    model = panel.texts_in.model
    qtbot.waitUntil(lambda: model.rowCount() == 2)
    cells = [
        str(model.data(model.index(r, c))) for r in range(2) for c in range(model.columnCount())
    ]
    assert "Unknown number: ignored" in cells and "Recorded" in cells
    assert "ok ••••" in cells and not any("4821" in c for c in cells)
    assert any(c.startswith("hvdesk: Checked in") for c in cells)
    window.resize(1280, 720)
    window.grab().save(str(tmp_path / "texts_in.png"))
