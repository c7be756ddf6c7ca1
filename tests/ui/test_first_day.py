"""A first-time office: booking flows into the risk assessment, then says where the visit went."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QWizard

from hvdesk.clock import london
from hvdesk.models import VisitStatus
from tests.ui.test_booking_dialog import NOON, booked_at, fill
from tests.ui.waiting import opened, saved, settle
from ui.a11y import LAST_RESULT, ElidedLabel
from ui.calendar.feature import CalendarFeature
from ui.first_day import FirstDayFeature
from ui.panels.approvals import ApprovalFeature
from ui.wizard.risk_wizard import PAGE_CHECKLIST, PAGE_INFORMATION, PAGE_WNTV

pytestmark = pytest.mark.ui


def _new_visit(window, qtbot):
    """New visit… at noon: the form opens once what it shows is read on the reader."""
    controller = window.feature(CalendarFeature).controller
    controller.new_visit(window, start=NOON)
    return opened(qtbot, controller)


def test_book_and_assess_now_then_sent_to_the_named_approver(window, qtbot, services, answers):
    dialog = _new_visit(window, qtbot)
    assert dialog.assess_button.isDefault()  # Enter takes the usual path
    fill(dialog, qtbot)
    dialog.assess_button.click()
    saved(qtbot, dialog)
    settle(qtbot)  # the assessment is read on the window's reader, then it opens
    visit = booked_at(services, NOON)
    assert visit.status == VisitStatus.DRAFT  # not sent without its assessment

    wizard = window.feature(ApprovalFeature).wizard
    assert wizard is not None and wizard.isVisible() and wizard.form.visit_id == visit.id
    answer_and_finish(wizard, qtbot)

    assert answers["asked"][-1][0] == "Send for approval"  # answered yes
    title, text, _kind = answers["told"][-1]
    assert title == "Sent for approval"
    assert "sent to Linda Francis (Headteacher) for approval" in text
    assert services.visits.get(visit.id).status == VisitStatus.AWAITING_APPROVAL


def test_the_visit_page_shows_its_actions_as_buttons(window, qtbot, services):
    window.show_panel("Visits")
    panel = window.visits
    waiting = services.visits.with_status(VisitStatus.DRAFT)[0]
    panel.status.setCurrentIndex(panel.status.findData(VisitStatus.DRAFT.value))
    qtbot.waitUntil(lambda: panel.model.complete)  # the list pages in on the worker
    row = next(
        r for r in range(panel.model.rowCount()) if panel.model.row_object(r).id == waiting.id
    )
    panel.table.selectRow(row)
    qtbot.waitUntil(panel.action_box.isVisible)  # the visit is read on the worker
    labels = list(panel.action_buttons)
    assert "Risk assessment…" in labels and any(t.startswith("Print") for t in labels)
    panel.action_buttons["Risk assessment…"].click()
    settle(qtbot)  # read on the window's reader, then it opens
    wizard = window.feature(ApprovalFeature).wizard
    assert wizard is not None and wizard.form.visit_id == waiting.id
    wizard.reject()


def test_the_action_buttons_follow_the_selected_visit(window, qtbot, services):
    """Selecting another visit takes the old buttons away at once; the new ones name the visit."""
    window.show_panel("Visits")
    panel = window.visits
    qtbot.waitUntil(lambda: panel.model.rowCount() >= 2 and not panel.model.loading)
    panel.table.selectRow(0)
    first = panel.model.row_object(0).id
    qtbot.waitUntil(lambda: panel.action_box.isVisible())
    panel.table.selectRow(1)
    second = panel.model.row_object(1).id
    assert not panel.action_box.isVisible()  # none for visit `first` while `second` is read
    qtbot.waitUntil(lambda: panel.action_box.isVisible())
    names = [b.accessibleName() for b in panel.action_buttons.values()]
    visit = services.visits.get(second)
    day = london(visit.start)
    which = f": {visit.household.name} visit, {day:%a} {day.day} {day:%b}"
    assert names and all(n.endswith(which) for n in names) and first != second


def test_tab_goes_from_the_timeline_to_the_visits_action_buttons_in_order(window, qtbot):
    """Issue 15 review #7: not to the toolbar's search before the buttons."""
    window.show_panel("Visits")
    panel = window.visits
    qtbot.waitUntil(lambda: panel.model.rowCount() >= 1 and not panel.model.loading)
    panel.table.selectRow(0)
    qtbot.waitUntil(lambda: panel.action_box.isVisible())
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    panel.timeline.setFocus()
    qtbot.waitUntil(panel.timeline.hasFocus)
    reached = []
    for _button in panel.action_buttons.values():
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        reached.append(QApplication.focusWidget())
    assert reached == list(panel.action_buttons.values())


def test_an_empty_school_gets_a_checklist_that_ticks_itself_off(qtbot, db, clock, answers):
    from hvdesk.models import Role
    from hvdesk.services.households import HouseholdInput
    from hvdesk.services.printing import PrintService
    from hvdesk.services.staff import StaffInput
    from tests.conftest import _user
    from ui.app import build_window
    from ui.services import AppServices

    services = AppServices.build(db, clock)
    admin = _user(db, "admin", "Ann Admin", Role.ADMIN)
    services.settings.apply_preset(admin, "harborne")
    window = build_window(services, admin)
    qtbot.addWidget(window)
    window.show()
    checklist = window.feature(FirstDayFeature).checklist
    qtbot.waitUntil(lambda: checklist.loads >= 1)  # read on the background worker
    assert checklist.isVisible() and window.stack.currentWidget() is window.today
    todo = {s.key for s in checklist.steps if not s.done}
    assert todo == {"staff", "households", "users", "forms"}  # the welcome chose the policy

    state, _title, button = checklist.rows["staff"]
    assert state.accessibleName().endswith("○ To do (0 on file)")
    button.click()  # each item opens its screen
    assert window.stack.currentWidget() is window.panels["Staff"]

    people = [
        services.staff.create(
            admin, StaffInput(name=n, job_title="Attendance Officer", mobile=f"07700 90012{i}")
        )
        for i, n in enumerate(("Jo Khan", "Sam Reid"))
    ]  # each their own mobile: texts from a shared one could not be told apart
    services.households.create(
        admin, HouseholdInput(name="Walsh family", address="4 Elm Close", postcode="B17 9NS")
    )
    services.auth.create_user(admin, "head", "Linda Francis", Role.APPROVER.value, "a-long-pass-1")
    services.auth.create_user(admin, "office", "Sam Office", Role.OFFICE.value, "a-long-pass-2")
    loads = checklist.loads
    window.data_changed.emit()
    qtbot.waitUntil(lambda: checklist.loads > loads)
    assert {s.key for s in checklist.steps if not s.done} == {"forms"}
    printing = PrintService(db, clock)
    printing.make(admin, "lone-working", staff_id=people[0].id)
    loads = checklist.loads
    window.data_changed.emit()
    qtbot.waitUntil(lambda: checklist.loads > loads)
    assert {s.key for s in checklist.steps if not s.done} == {"forms"}  # Sam's is not printed
    printing.make(admin, "lone-working", staff_id=people[1].id)
    loads = checklist.loads
    window.data_changed.emit()
    qtbot.waitUntil(lambda: checklist.loads > loads)
    assert all(s.done for s in checklist.steps) and not checklist.isVisible()
    window.close()


def test_a_school_with_visits_has_no_checklist(window, qtbot):
    checklist = window.feature(FirstDayFeature).checklist
    qtbot.waitUntil(lambda: checklist.loads >= 1)
    assert not checklist.isVisible() and checklist.finished


def last_result(window) -> str:
    label = window.statusBar().findChild(ElidedLabel, LAST_RESULT)
    assert label is not None and label.isVisible()
    return label.text()


def test_booked_from_today_the_status_bar_names_the_approver_and_the_missing_assessment(
    window, qtbot, services
):
    """Issue 15 review #2: booked with Today in front, the result is not only on the hidden
    Calendar: the status bar (always on screen, and announced) says who approves it."""
    window.show_panel("Today")
    dialog = _new_visit(window, qtbot)
    fill(dialog, qtbot)
    dialog.submit_button.click()
    saved(qtbot, dialog)
    assert booked_at(services, NOON).status == VisitStatus.AWAITING_APPROVAL
    said = last_result(window)
    assert "sent to Linda Francis (Headteacher) for approval" in said
    assert "No risk assessment yet" in said
    assert window.monitoring_label.isVisible()  # the result never hides Monitoring


def test_book_and_assess_now_cancelled_says_the_visit_is_kept_as_a_draft(window, qtbot, services):
    window.show_panel("Today")
    dialog = _new_visit(window, qtbot)
    fill(dialog, qtbot)
    dialog.assess_button.click()
    saved(qtbot, dialog)
    settle(qtbot)  # the assessment is read on the window's reader, then it opens
    wizard = window.feature(ApprovalFeature).wizard
    assert wizard is not None and wizard.isVisible()
    wizard.reject()
    visit = services.visits.get(booked_at(services, NOON).id)
    assert visit.status == VisitStatus.DRAFT
    said = last_result(window)
    assert f"Visit {visit.id} ({visit.household.name}) kept as a draft" in said


def answer_and_finish(wizard, qtbot) -> None:
    """Answer every page of the wizard with 'nothing of concern', then Finish."""
    info = wizard.pages[PAGE_INFORMATION]
    if info.review.isVisible():  # the family was assessed before: say what changed
        info.changes.setPlainText("Nothing has changed")
    while wizard.currentId() != PAGE_WNTV:
        wizard.next()
    for no in wizard.pages[PAGE_WNTV].no.values():
        no.setChecked(True)
    while wizard.currentId() != PAGE_CHECKLIST:
        wizard.next()
    for check in wizard.pages[PAGE_CHECKLIST].checks.values():
        check.setChecked(True)
    wizard.next()
    wizard.button(QWizard.WizardButton.FinishButton).click()
    settle(qtbot)  # completed, then sent for approval: both on the write worker


@pytest.mark.parametrize("refused", [False, True], ids=["sent", "not-sent"])
def test_sent_or_not_is_said_over_a_live_parent_after_the_wizard_closes(
    window, qtbot, services, answers, monkeypatch, refused
):
    """The send runs on the write worker after the wizard closed (and was deleted): its message
    must not use the dead wizard as parent, and the lists are told to reload first."""
    import shiboken6
    from PySide6.QtWidgets import QMessageBox

    from hvdesk.errors import HvdeskError
    from ui import dialogs

    order: list[str] = []
    window.data_changed.connect(lambda: order.append("changed"))

    def tell(parent, title, text, kind="info"):
        assert parent is None or shiboken6.isValid(parent), f"{title!r} over a deleted parent"
        answers["told"].append((title, text, kind))
        order.append(title)
        box = QMessageBox(QMessageBox.Icon.Information, title, text)
        box.setParent(parent)  # as the real tell does: it touches its parent
        box.deleteLater()

    monkeypatch.setattr(dialogs, "tell", tell)
    if refused:
        feature = window.feature(ApprovalFeature)

        def refuse(actor, visit_id):
            raise HvdeskError("The approver has left; choose another in Settings")

        monkeypatch.setattr(feature.approvals, "submit", refuse)
    dialog = _new_visit(window, qtbot)
    fill(dialog, qtbot)
    dialog.assess_button.click()
    saved(qtbot, dialog)
    settle(qtbot)  # the assessment is read on the window's reader, then it opens
    visit = booked_at(services, NOON)
    answer_and_finish(window.feature(ApprovalFeature).wizard, qtbot)
    title = "Not sent" if refused else "Sent for approval"
    qtbot.waitUntil(lambda: title in order)
    assert order[-2:] == ["changed", title]  # the lists reload before the message waits
    assert not [t for t in answers["told"] if "went wrong" in t[1].lower()]
    status = services.visits.get(visit.id).status
    assert status == (VisitStatus.DRAFT if refused else VisitStatus.AWAITING_APPROVAL)
