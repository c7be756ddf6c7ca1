"""The booking form: search as you type, policy defaults, live checks, inline errors, warnings."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from PySide6.QtCore import QTime
from sqlalchemy import func, select

from hvdesk.clock import from_london, london
from hvdesk.models import Event, Staff, Visit, VisitStatus
from hvdesk.services.booking import BookingService
from tests.ui.waiting import checked, returns_while_held, save_form
from ui.booking_dialog import BookingDeps, BookingDialog, matches

pytestmark = pytest.mark.ui

THU = date(2026, 11, 26)


def at(day: date, hh: int, mm: int = 0) -> datetime:
    return from_london(datetime(day.year, day.month, day.day, hh, mm))


NOON = at(THU, 12, 15)


def booked_at(services, start: datetime) -> Visit:
    with services.db.read() as s:
        return s.scalars(
            select(Visit).where(Visit.start == start).order_by(Visit.id.desc())
        ).first()


@pytest.fixture
def deps(services) -> BookingDeps:
    return BookingDeps(
        BookingService(services.db, services.clock),
        services.households,
        services.staff,
        services.clock,
    )


@pytest.fixture
def new_dialog(qtbot, deps, office_actor, answers):
    def make(start: datetime | None = NOON, **kw) -> BookingDialog:
        dialog = BookingDialog(deps, office_actor, start=start, **kw)
        qtbot.addWidget(dialog)
        dialog.show()
        return dialog

    return make


def staff_id(services, name: str) -> int:
    with services.db.read() as s:
        return s.scalar(select(Staff.id).where(Staff.name == name))


def count_visits(services) -> int:
    with services.db.read() as s:
        return s.scalar(select(func.count(Visit.id)))


def fill(dialog: BookingDialog, qtbot, *, family="Evans", lead="Tom Lee", companion="Amara Jones"):
    qtbot.keyClicks(dialog.search, family)
    if dialog.pupil.currentData() is None and dialog.pupil.count() > 1:
        dialog.pupil.setCurrentIndex(1)
    dialog.purpose.setCurrentIndex(dialog.purpose.findData("attendance"))
    dialog.lead.setCurrentIndex(dialog.lead.findText(lead))
    dialog.companion.setCurrentIndex(dialog.companion.findText(companion) if companion else 0)


def test_household_search_as_you_type(new_dialog, qtbot):
    dialog = new_dialog()
    everyone = dialog.results.count()
    assert everyone == 29  # active households only
    qtbot.keyClicks(dialog.search, "b17 0a")
    assert 0 < dialog.results.count() < everyone
    dialog.search.clear()
    qtbot.keyClicks(dialog.search, "aisha begum")  # a pupil's name finds the family
    assert dialog.form_data().household_id is not None
    assert "Begum family" in dialog.chosen.text()
    assert dialog.pupil.itemText(0) == "Choose the pupil…"
    dialog.search.clear()
    qtbot.keyClicks(dialog.search, "zzz")
    assert dialog.results.item(0).text().startswith("No household matches")


def test_search_matches_any_word_order(services):
    h = services.households.list(search="Begum")[0]
    assert matches(h, "hill begum") and matches(h, "B170AB".lower()) is (h.postcode == "B17 0AB")
    assert not matches(h, "begum oak")


def test_known_risks_show_for_the_chosen_family(new_dialog, qtbot):
    dialog = new_dialog()
    qtbot.keyClicks(dialog.search, "Begum")
    assert dialog.risks.text().startswith("⚠ Known risks: Animals")


def test_defaults_come_from_the_policy_and_follow_the_start(new_dialog):
    dialog = new_dialog(at(THU, 10))
    data = dialog.form_data()
    assert (data.planned_departure, data.end, data.expected_return) == (
        at(THU, 9, 45),
        at(THU, 10, 45),
        at(THU, 11),
    )
    assert data.office_contact == "Sam Office"
    dialog.start.setTime(QTime(13, 30))
    data = dialog.form_data()
    assert (data.planned_departure, data.end, data.expected_return) == (
        at(THU, 13, 15),
        at(THU, 14, 15),
        at(THU, 14, 30),
    )
    dialog.end.setTime(QTime(15, 0))
    assert dialog.form_data().expected_return == at(THU, 15, 15)


def test_without_a_start_it_offers_the_next_school_day(new_dialog):
    dialog = new_dialog(None)
    assert london(dialog.form_data().start) == london(at(date(2026, 11, 25), 10))


def test_lead_from_a_staff_lane_and_their_car(new_dialog, services):
    jasmin = staff_id(services, "Jasmin Patel")
    dialog = new_dialog(lead_staff_id=jasmin)
    assert dialog.lead.currentData() == jasmin
    dialog.companion.setCurrentIndex(dialog.companion.findText("Bethan Smith"))
    assert dialog.vehicle.currentText().startswith("Jasmin Patel: Blue Ford Fiesta AB12 CDE")
    cars = [dialog.vehicle.itemText(i) for i in range(dialog.vehicle.count())]
    assert not any("Bethan" in car for car in cars)  # she has no car recorded


def test_book_and_send_for_approval(new_dialog, qtbot, services, answers):
    dialog = new_dialog()
    fill(dialog, qtbot)
    assert save_form(qtbot, dialog, submit=True)
    visit = services.visits.get(booked_at(services, NOON).id)
    assert visit.status == "awaiting_approval" and visit.household.name == "Evans family"
    assert "sent to the Headteacher for approval" in dialog.result_message
    assert not answers["asked"]  # nothing to warn about


def test_save_as_draft(new_dialog, qtbot, services):
    dialog = new_dialog()
    fill(dialog, qtbot)
    assert save_form(qtbot, dialog, submit=False)
    visit = booked_at(services, NOON)
    assert visit.status == "draft" and "saved as a draft" in dialog.result_message


def test_every_problem_shown_on_its_field_and_nothing_saved(new_dialog, services, qtbot):
    before = count_visits(services)
    dialog = new_dialog()
    assert not save_form(qtbot, dialog)
    text = dialog.banner.text()
    assert text.startswith("Nothing was saved. Please fix:")
    for field in ("Household", "Purpose", "Lead staff"):
        assert f"• {field}:" in text
    assert dialog.search.styleSheet() and "search for the family" in dialog.search.toolTip()
    assert count_visits(services) == before


def test_end_before_start_and_return_before_end(new_dialog, qtbot):
    dialog = new_dialog()
    fill(dialog, qtbot)
    dialog.end.blockSignals(True)
    dialog.end.setTime(QTime(12, 0))
    dialog.end.blockSignals(False)
    dialog.back.setTime(QTime(11, 50))
    assert not save_form(qtbot, dialog)
    assert "End: 12:00 is not after the start (12:15)" in dialog.banner.text()
    assert dialog.end.styleSheet()
    assert "✗ End:" in dialog.checks.text()  # shown live, before saving


def test_clash_shows_the_other_visit_live(new_dialog, qtbot, services):
    other = next(
        v
        for v in services.visits.with_status(VisitStatus.APPROVED)
        if london(v.start).date() == THU
    )
    dialog = new_dialog(other.start)
    fill(dialog, qtbot, lead=other.lead_staff.name, companion="")
    checked(qtbot, dialog)
    assert f"already booked on visit {other.id}, {other.household.name}" in dialog.checks.text()
    assert not save_form(qtbot, dialog)
    assert dialog.lead.styleSheet()


def test_inactive_and_uncleared_staff(new_dialog, qtbot):
    dialog = new_dialog()
    fill(dialog, qtbot, companion="Bethan Smith")  # her DBS check has lapsed
    checked(qtbot, dialog)
    assert "Bethan Smith's DBS check" in dialog.checks.text()
    assert dialog.lead.findText("Gareth Price") < 0  # deactivated staff are not offered
    assert not save_form(qtbot, dialog)


def test_out_of_hours_fields_appear_only_when_needed(new_dialog, qtbot, answers, services):
    from hvdesk.models import EscalationContact

    with services.db.transaction() as s:
        now = services.clock.now()
        linda = EscalationContact(
            name="Linda Francis", mobile="+447700900789", position=1, created_at=now, updated_at=now
        )
        s.add(linda)
        s.flush()
        linda_id = linda.id
    dialog = new_dialog()
    fill(dialog, qtbot)
    checked(qtbot, dialog)
    assert dialog.ooh_box.isHidden()
    dialog.start.setTime(QTime(18, 15))
    checked(qtbot, dialog)
    assert not dialog.ooh_box.isHidden()
    assert "evening" in dialog.checks.text()
    assert not save_form(qtbot, dialog)
    assert "Out-of-hours reason" in dialog.banner.text()
    assert "Responsible contact" in dialog.banner.text()
    dialog.ooh_reason.setText("Mum works days; only evening contact possible")
    assert dialog.responsible.isReadOnly()  # a typed name cannot be texted: choose a person
    assert not save_form(qtbot, dialog)
    assert "cannot be texted" not in dialog.banner.text()  # nothing typed, so not said
    assert "choose who will check on staff welfare" in dialog.banner.text()
    dialog.responsible_person.setCurrentIndex(dialog.responsible_person.findData(linda_id))
    answers["reply"][0] = False
    assert not save_form(qtbot, dialog)  # the evening warning was declined: nothing saved
    title, text = answers["asked"][-1]
    assert title == "Please check before saving" and "strongly discouraged" in text
    answers["reply"][0] = True
    assert save_form(qtbot, dialog)
    visit = booked_at(services, at(THU, 18, 15))
    assert visit.responsible_contact == "Linda Francis 07700 900789"


def test_lone_visit_needs_a_reason(new_dialog, qtbot):
    dialog = new_dialog()
    fill(dialog, qtbot, companion="")
    checked(qtbot, dialog)
    assert not dialog.lone_reason.isHidden()
    assert not save_form(qtbot, dialog)
    assert "Lone visit reason" in dialog.banner.text()


def test_other_purpose_needs_words(new_dialog, qtbot):
    dialog = new_dialog()
    fill(dialog, qtbot)
    assert dialog.purpose_other.isHidden()
    dialog.purpose.setCurrentIndex(dialog.purpose.findData("other"))
    assert not dialog.purpose_other.isHidden()
    assert not save_form(qtbot, dialog)
    assert "Other purpose: describe the purpose" in dialog.banner.text()


def test_edit_an_approved_visit_says_it_goes_back(qtbot, deps, office_actor, services, answers):
    visit = next(
        v
        for v in services.visits.with_status(VisitStatus.APPROVED)
        if london(v.start).date() == THU
    )
    dialog = BookingDialog(deps, office_actor, visit=services.visits.get(visit.id))
    qtbot.addWidget(dialog)
    assert "sends it back to the Headteacher" in dialog.note.text()
    assert dialog.form_data().household_id == visit.household_id
    dialog.start.setTime(QTime(12, 15))  # free for everyone on Thursday
    assert save_form(qtbot, dialog), dialog.banner.text()
    title, text, _kind = answers["told"][-1]
    assert title == "Sent back for approval" and "gone back to the Headteacher" in text
    assert services.visits.get(visit.id).status == "awaiting_approval"
    with services.db.read() as s:
        kinds = [e.kind for e in s.scalars(select(Event).where(Event.visit_id == visit.id))]
    assert kinds[-2:] == ["edited", "sent_back_for_approval"]


def test_edit_overtaken_by_another_seat(qtbot, deps, office_actor, services):
    visit = next(
        v
        for v in services.visits.with_status(VisitStatus.APPROVED)
        if london(v.start).date() == THU
    )
    dialog = BookingDialog(deps, office_actor, visit=services.visits.get(visit.id))
    qtbot.addWidget(dialog)
    other_seat = deps.booking
    data = dialog.form_data()
    data.pre_visit_notes = "Changed elsewhere"
    other_seat.update(office_actor, visit.id, data, row_version=visit.row_version)
    dialog.notes.setPlainText("My change")
    assert not save_form(qtbot, dialog)
    assert "changed on another seat after you opened it" in dialog.banner.text()
    assert services.visits.get(visit.id).pre_visit_notes == "Changed elsewhere"


def test_every_control_has_an_accessible_name(new_dialog):
    from PySide6.QtWidgets import (
        QAbstractSpinBox,
        QComboBox,
        QLineEdit,
        QPlainTextEdit,
        QPushButton,
        QTimeEdit,
    )

    dialog = new_dialog()
    for kind in (QComboBox, QLineEdit, QPlainTextEdit, QTimeEdit):
        for widget in dialog.findChildren(kind):
            if isinstance(widget.parent(), (QComboBox, QAbstractSpinBox)):
                continue  # inner editors of compound widgets
            assert widget.accessibleName(), widget
    assert all(b.text() for b in dialog.findChildren(QPushButton))


# --- saving off the GUI thread (ui/dialog_save.py) ------------------------------------------------
def test_booking_saves_on_the_worker_while_the_window_keeps_answering(new_dialog, qtbot, services):
    from PySide6.QtWidgets import QDialog

    from tests.ui.test_tracker_writes import Beats, slow

    before = count_visits(services)
    dialog = new_dialog()
    fill(dialog, qtbot)
    accepted = QDialog.DialogCode.Accepted
    with slow(services.db) as on_gui_thread:
        beats = Beats(lambda: dialog.result() != accepted)
        answered = returns_while_held(services.db, lambda: dialog.submit_button.click())
        during_click = list(on_gui_thread)
        assert dialog.banner.text() == "Saving…" and not dialog.submit_button.isEnabled()
        assert not dialog.cancel_button.isEnabled() and dialog.isVisible()
        dialog.save(submit=True)  # pressed again while saving: nothing more is sent
        dialog.close()  # nor does the dialog go while its save is pending
        assert dialog.isVisible()
        qtbot.waitUntil(lambda: dialog.result() == accepted, timeout=30_000)
        beats.stop()
    assert answered and during_click == []
    assert beats.during >= 3  # the event loop kept turning while the visit was written
    assert count_visits(services) == before + 1  # saved once
    assert booked_at(services, NOON).status == "awaiting_approval"


def test_a_booking_the_database_does_not_take_keeps_what_was_typed(new_dialog, qtbot, services):
    from tests.ui.test_tracker_writes import failing_writes

    before = count_visits(services)
    dialog = new_dialog()
    fill(dialog, qtbot)
    dialog.notes.setPlainText("Bring the attendance letter")
    typed = dialog.form_data()
    with failing_writes(services.db):
        assert not save_form(qtbot, dialog, submit=True)
    text = dialog.banner.text()
    assert text.startswith("The database is not answering: the visit was NOT recorded.")
    assert "What you typed is kept. Try again." in text and "Traceback" not in text
    assert dialog.isVisible() and dialog.form_data() == typed
    assert dialog.submit_button.isEnabled() and dialog.cancel_button.isEnabled()
    assert count_visits(services) == before  # nothing half-saved
    assert save_form(qtbot, dialog, submit=True)  # the database is back: try again
    assert count_visits(services) == before + 1
