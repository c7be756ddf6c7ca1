"""Every screen, dialog and alarm window passes the accessibility audit (tests/ui/a11y_audit.py).

Screens are taken from the main window's own registry, so a screen added later is audited too.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible, QAccessibleAnnouncementEvent
from PySide6.QtWidgets import QComboBox, QPushButton, QTabWidget

from hvdesk.models import VisitStatus
from hvdesk.rules import escalation as esc
from tests.ui.a11y_audit import audit, audit_tree
from tests.ui.waiting import checked, idle, settle
from ui.a11y_interfaces import install_interfaces
from ui.calendar.feature import CalendarFeature
from ui.panels.approvals import ApprovalFeature
from ui.session_lock import SessionLockFeature

pytestmark = pytest.mark.ui


def audit_screens(window, qtbot) -> tuple[list[str], list[str]]:
    """Every screen in the navigation, and every tab of a screen made of tabs (Notifications:
    Messages, contacts, channels, Texts in): (screens audited, problems found)."""
    seen, problems = [], []
    for name in list(window.panels):
        window.show_panel(name)
        qtbot.waitUntil(lambda n=name: window.stack.currentWidget() is window.panels[n])
        tab_sets = window.panels[name].findChildren(QTabWidget)
        pages = [(tabs, i) for tabs in tab_sets for i in range(tabs.count())] or [(None, 0)]
        for tabs, i in pages:
            label = name if tabs is None else f"{name} > {tabs.tabText(i).replace('&', '')}"
            if tabs is not None:
                tabs.setCurrentIndex(i)
            seen.append(label)
            problems += [f"[{label}] {p}" for p in audit(qtbot, window).problems()]
    return seen, problems


def test_every_screen_is_named_readable_and_reachable_by_tab(window, qtbot):
    seen, problems = audit_screens(window, qtbot)
    assert problems == [], "\n".join(problems)
    assert {"Today", "Notifications > Texts in", "Attendance", "Incidents", "Reports"} <= set(seen)


@pytest.fixture
def admin_window(qtbot, services, answers):
    """The window as the administrator sees it: Users, Channels and Backups too."""
    from sqlalchemy import select

    from hvdesk.models import Role, UserAccount
    from hvdesk.services.base import Actor
    from ui.app import build_window

    with services.db.read() as s:
        user = s.scalar(select(UserAccount).where(UserAccount.username == "admin"))
    win = build_window(services, Actor(user.id, user.display_name, Role.ADMIN.value))
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()


def test_every_admin_screen_passes(admin_window, qtbot):
    seen, problems = audit_screens(admin_window, qtbot)
    assert problems == [], "\n".join(problems)
    assert {"Users", "Settings", "Notifications > Channels"} <= set(seen)


def test_the_session_lock_screen_passes(window, qtbot):
    """Signed out (switch user, or idle): the lock screen over the window is read and reachable."""
    lock = window.feature(SessionLockFeature).lock
    lock.lock()
    assert lock.locked and lock.screen.isVisible()
    found = audit(qtbot, window)
    assert found.problems() == [], "\n".join(found.problems())
    said = found.text()
    assert any("Password" in t for t in said) and any("user" in t.lower() for t in said)


def test_every_alarm_window_is_named_readable_and_reachable_by_tab(window, qtbot):
    windows = list(window.tracker_controller.windows.values())
    assert windows
    problems = []
    for aw in windows:
        found = audit(qtbot, aw)
        problems += [f"[{aw.windowTitle()}] {p}" for p in found.problems()]
    assert problems == [], "\n".join(problems)


def _audit_dialog(qtbot, dialog, label: str) -> list[str]:
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    found = audit(qtbot, dialog)
    dialog.close()
    return [f"[{label}] {p}" for p in found.problems()]


def _dialogs(window, services, office_actor):
    """Every dialog of the app, built as its screen builds it (label, factory)."""
    from datetime import date

    from hvdesk.services.booking import BookingService
    from hvdesk.services.lone_working import LoneWorkingService
    from hvdesk.services.outcomes import OutcomeService
    from ui.booking_dialog import BookingDeps, BookingDialog
    from ui.calendar.export_dialog import ExportDialog
    from ui.cancel_dialog import CancelDialog
    from ui.lone_working_dialog import LoneWorkingDialog, SignLoneWorkingDialog
    from ui.outcome_dialog import OutcomeDialog
    from ui.panels.households import HouseholdDialog, RiskDialog
    from ui.panels.staff import StaffDialog
    from ui.panels.users import PasswordDialog, UserDialog
    from ui.tracker.actions import RunningLateDialog

    visits = services.visits
    approved = visits.with_status(VisitStatus.APPROVED)[0]
    returned = visits.with_status(VisitStatus.RETURNED)[0]
    home = services.households.list()[0]
    staff = services.staff.list()
    policy = services.settings.policy()
    deps = BookingDeps(
        BookingService(services.db, services.clock),
        services.households,
        services.staff,
        services.clock,
    )
    lone = LoneWorkingService(services.db, services.clock)
    today = date(2026, 11, 24)
    mobiles = {s.id: s.mobile or "" for s in staff}
    yield "New visit", lambda: BookingDialog(deps, office_actor, start=approved.start)
    yield "Edit visit", lambda: BookingDialog(deps, office_actor, visit=visits.get(approved.id))
    yield (
        "Cancel visit",
        lambda: CancelDialog(
            window.feature(CalendarFeature).controller.cancellation,
            office_actor,
            visits.get(approved.id),
            policy,
        ),
    )
    yield (
        "Outcome",
        lambda: OutcomeDialog(
            OutcomeService(services.db, services.clock), office_actor, visits.get(returned.id)
        ),
    )
    yield "Staff", lambda: StaffDialog(services.staff, office_actor, staff[0])
    yield "Household", lambda: HouseholdDialog(services.households, office_actor, home)
    yield "Known risk", lambda: RiskDialog(services.households, office_actor, home)
    yield (
        "User",
        lambda: UserDialog(
            services.auth, office_actor, [(s.id, s.name) for s in staff], "Headteacher"
        ),
    )
    yield "Password", lambda: PasswordDialog(services.auth, office_actor, services.auth.list()[0])
    yield "Lone working", lambda: LoneWorkingDialog(lone, office_actor, mobiles, staff[0].id)
    yield (
        "Sign lone working",
        lambda: SignLoneWorkingDialog(
            lone, office_actor, lone.status(staff[0].id), staff[0].mobile or "", today
        ),
    )
    yield (
        "Export calendar",
        lambda: ExportDialog(
            window.feature(CalendarFeature).controller.ics, office_actor, staff, policy, today
        ),
    )
    yield "Running late", lambda: RunningLateDialog(visits.get(approved.id), services.clock.now())
    yield from _dialogs_main_added(window, services, office_actor, home)


def _dialogs_main_added(window, services, office_actor, home):
    """The dialogs of incidents, agreements, the household timeline and escalation contacts."""
    from hvdesk.services.agreements import AgreementService
    from hvdesk.services.incidents import IncidentService
    from hvdesk.services.notifications import NotificationService
    from hvdesk.services.timeline import TimelineService
    from ui.agreements import AgreementsDialog
    from ui.incidents import IncidentDialog
    from ui.notify.contacts import ContactDialog
    from ui.timeline import TimelineDialog

    db, clock = services.db, services.clock
    yield (
        "Record an incident",
        lambda: IncidentDialog(IncidentService(db, clock), office_actor, clock),
    )
    yield "Agreements due", lambda: AgreementsDialog(window, AgreementService(db, clock))
    yield (
        "Household timeline",
        lambda: TimelineDialog(home.name, TimelineService(db, clock).household(home.id)),
    )
    yield (
        "Escalation contact",
        lambda: ContactDialog(NotificationService(db, clock), office_actor, window.worker),
    )


def test_every_dialog_is_named_readable_and_reachable_by_tab(window, qtbot, services, office_actor):
    problems = []
    for label, make in _dialogs(window, services, office_actor):
        dialog = make()
        if hasattr(dialog, "check_now"):  # the booking form: its live check has answered
            checked(qtbot, dialog)
        problems += _audit_dialog(qtbot, dialog, label)
    assert problems == [], "\n".join(problems)


def test_every_page_of_the_risk_assessment_wizard_passes(window, qtbot, services):
    visit = services.visits.with_status(VisitStatus.AWAITING_APPROVAL)[0]
    feature = window.feature(ApprovalFeature)
    feature.assess(visit.id)
    settle(None)  # the form is read on the window's reader, then the wizard opens
    wizard = feature.wizard
    problems = []
    for page_id in wizard.pageIds():
        while wizard.currentId() < page_id:
            wizard.next()
        found = audit(qtbot, wizard)
        problems += [f"[wizard page {page_id}] {p}" for p in found.problems()]
    wizard.reject()
    assert problems == [], "\n".join(problems)


def test_sign_in_and_welcome_dialogs_pass(qtbot, db, clock):
    from ui.login import FirstRunDialog, LoginDialog
    from ui.services import AppServices

    empty = AppServices.build(db, clock)
    problems = _audit_dialog(qtbot, FirstRunDialog(empty), "Welcome")
    problems += _audit_dialog(qtbot, LoginDialog(empty), "Sign in")
    assert problems == [], "\n".join(problems)


def test_visit_menus_are_named_with_every_item_readable(window, qtbot, services):
    visit = services.visits.with_status(VisitStatus.APPROVED)[0]
    menu = window.visit_actions.menu(services.visits.get(visit.id), window)
    menu.popup(window.mapToGlobal(window.rect().center()))
    qtbot.waitExposed(menu)
    found = audit_tree(menu)
    menu.close()
    assert menu.accessibleName().startswith("Actions for")
    assert found.problems() == []
    items = [n.name for n in found.read if n.role == QAccessible.Role.MenuItem]
    assert "Risk assessment…" in items and len(items) == len(
        window.visit_actions.for_visit(services.visits.get(visit.id))
    )


def test_the_alarm_window_is_an_alert_read_in_order(window):
    """An alert (AT-SPI 'alert', MSAA ROLE_SYSTEM_ALERT), which Orca and NVDA read out whole
    when it appears; any other dialog keeps the role 'dialog'."""
    aw = next(iter(window.tracker_controller.windows.values()))
    found = audit_tree(aw)
    assert found.read[0].role == QAccessible.Role.AlertMessage
    assert found.read[0].name.startswith("RED ALARM")
    said = found.text()
    order = [
        "Alarm: ‼ RED ALARM",
        "What is overdue: ",
        "Address: ",
        "Staff and mobiles: ",
        "Last contact: ",
        "Expected back: ",
        "Vehicle: ",
        "I'm handling this",
        "Who is handling this: ",
        "Next step: ",
    ]
    positions = [next(i for i, s in enumerate(said) if s.startswith(o)) for o in order]
    assert positions == sorted(positions), said[:30]
    address = next(s for s in said if s.startswith("Address: "))
    assert aw.detail.visit.household.postcode in address  # the value, not just the field


def test_the_alarm_window_s_description_says_each_fact_once_and_follows_the_clock(window, clock):
    """The description (what Orca reads after the alert's name) was built before 'What is
    overdue' was filled: after a refresh it said the reason twice, never updated 'overdue
    1 h 15 min', and ran a fact's lines together."""
    from datetime import timedelta

    from ui.value_label import plain_text

    aw = next(iter(window.tracker_controller.windows.values()))
    aw.update_detail(aw.detail, clock.now())
    said = aw.accessibleDescription()
    assert said.startswith("What is overdue: "), said[:80]
    assert said.count(aw.detail.alarm.reason) == 1
    assert "\n" not in said
    staff = aw.facts["staff"].text().split("\n")
    assert len(staff) > 1 and ". ".join(plain_text(s) for s in staff) in said
    overdue = aw.facts["overdue"].text().split("\n")[0]
    aw.tick(clock.now() + timedelta(minutes=20))
    later = aw.facts["overdue"].text().split("\n")[0]
    assert later != overdue and later in aw.accessibleDescription()


def test_a_new_alarm_is_announced_to_screen_readers(
    window, qtbot, monkeypatch, office_actor, clock
):
    from tests.ui.test_tracker_ui import nobody_else_out
    from tests.ui.waiting import idle

    sent = []
    monkeypatch.setattr(QAccessible, "updateAccessibility", lambda e: sent.append(e))
    QAccessible.setActive(True)
    ctrl = window.tracker_controller
    nobody_else_out(window, office_actor)
    visit = next(v for v in window.today.later_model.rows() if v.status == VisitStatus.APPROVED)
    ctrl.actions.depart(visit.id, window)
    idle(window, qtbot)
    sent.clear()
    ctrl.actions.duress(visit.id, window)
    idle(window, qtbot)
    aw = ctrl.window_for_visit(visit.id)
    announcements = [e for e in sent if isinstance(e, QAccessibleAnnouncementEvent)]
    assert announcements and announcements[0].object() is aw
    assert "DURESS" in announcements[0].message()
    assert announcements[0].politeness() == QAccessible.AnnouncementPoliteness.Assertive
    assert any(e.type() == QAccessible.Event.Alert for e in sent)


def test_only_a_window_marked_as_an_alert_is_read_as_one(window, qtbot):
    from PySide6.QtWidgets import QDialog

    from ui.a11y import mark_as_alert

    plain, alarm = QDialog(window), QDialog(window)
    mark_as_alert(alarm)
    for dialog in (plain, alarm):
        qtbot.addWidget(dialog)
    assert QAccessible.queryAccessibleInterface(plain).role() == QAccessible.Role.Dialog
    assert QAccessible.queryAccessibleInterface(alarm).role() == QAccessible.Role.AlertMessage


def test_each_ladder_step_is_read_by_its_own_title(window):
    aw = next(iter(window.tracker_controller.windows.values()))
    policy = aw.detail.policy
    current = aw.detail.alarm.step
    for number, box in aw.steps.items():
        name = QAccessible.queryAccessibleInterface(box).text(QAccessible.Text.Name)
        now = ", the current step" if number == current else ""
        assert name == f"Step {number}{now}: {esc.step_title(number, policy)}"
    said = audit_tree(aw).text()
    assert any(s.startswith("Step 2: ") for s in said)  # in the tree a screen reader walks


def test_a_drop_down_keeps_qt_s_own_combo_interface(qtbot):
    """Replacing Qt's interface with a plain widget dropped its popup list, actions and value:
    Orca said only 'Lead staff: combo box.' and never the choice or 'List with 2 items'."""
    install_interfaces()
    lead = QComboBox()
    qtbot.addWidget(lead)
    lead.addItems(["Jasmin Patel", "Luke Wood"])
    lead.setAccessibleName("Lead staff")
    said = QAccessible.queryAccessibleInterface(lead)
    assert said.role() == QAccessible.Role.ComboBox
    assert said.childCount() == 1  # the popup list Orca announces
    assert said.child(0).role() == QAccessible.Role.List
    assert said.actionInterface() is not None  # open/close, as Qt gives it
    lead.setCurrentIndex(1)
    assert said.text(QAccessible.Text.Value) == "Luke Wood"


def test_the_start_up_note_takes_one_line_and_opens_from_the_keyboard(window, qtbot):
    """Its alarms, one line each, took Out now's rows: folded, it is its headline, 'Show' and
    'Dismiss'; Space on 'Show' (Tab reaches it, a screen reader hears what it opens) shows every
    line, and 'Hide' folds it again."""
    note = window.today.startup_banner
    qtbot.waitUntil(note.isVisible)
    assert note.headline.text().endswith("2 alarms raised at start-up")
    assert note.details.isHidden() and "Begum family, 143 Hill Street" in note.text()
    toggle = note.toggle
    assert toggle.focusPolicy() & Qt.FocusPolicy.TabFocus
    named = QAccessible.queryAccessibleInterface(toggle).text(QAccessible.Text.Name)
    assert named == "Show the details of: Overdue while hvdesk was not running"
    toggle.setFocus()
    qtbot.keyClick(toggle, Qt.Key.Key_Space)
    assert note.details.isVisible() and toggle.text() == "Hide"
    assert "Rahman family" in QAccessible.queryAccessibleInterface(note.details).text(
        QAccessible.Text.Name
    )
    assert toggle.accessibleName() == "Hide the details of: Overdue while hvdesk was not running"
    qtbot.keyClick(toggle, Qt.Key.Key_Space)
    assert note.details.isHidden() and toggle.text() == "Show"
    dismiss = next(b for b in note.findChildren(QPushButton) if b.text() == "Dismiss")
    qtbot.keyClick(dismiss, Qt.Key.Key_Space)
    assert note.isHidden()


def test_out_now_reads_each_visit_and_its_staff_in_full(window):
    """Orca skipped the Visit cell ('Begum family' over '143 Hill Street': a line break) and
    read 'J. Patel': a screen reader gets one line and the whole names."""
    model = window.today.board_model
    row = next(
        r for r in range(model.rowCount()) if "Begum" in model.rows()[r].visit.household.name
    )
    said = [
        model.index(row, column).data(Qt.ItemDataRole.AccessibleTextRole)
        for column in (model.VISIT, model.STAFF)
    ]
    assert said == ["Begum family, 143 Hill Street", "Jasmin Patel + Zoë Brontë-Núñez"]
    assert model.index(row, model.VISIT).data() == "Begum family\n143 Hill Street"  # as shown


def test_an_alarm_window_says_its_facts_as_it_appears(window):
    """Orca reads an alert's name and description but skips labels that have a field label:
    it said the alarm and never the address, the time back or the car."""
    aw = next(w for w in window.tracker_controller.windows.values() if "Begum" in w.windowTitle())
    said = QAccessible.queryAccessibleInterface(aw).text(QAccessible.Text.Description)
    assert said.startswith("What is overdue: Check-in overdue (due 07:45) — overdue ")
    for fact in (
        "Address: 143 Hill Street, Harborne",
        "Expected back: 09:45",
        "Vehicle: Blue Ford Fiesta AB12 CDE",
    ):
        assert fact in said, fact


def test_each_calendar_visit_is_its_own_item_for_a_screen_reader(window, qtbot):
    """The painted calendar is one object to a screen reader: the list beside it gives each
    visit shown as an item of its own, read in time order in words, and stays readable
    through a reload of the visits."""
    from datetime import date

    from ui.calendar.model import Mode

    QAccessible.setActive(True)  # as with a screen reader: Qt then renews its items on a reload
    cal = window.feature(CalendarFeature).panel
    window.show_panel("Calendar")
    cal.anchor = date(2026, 11, 25)
    cal.set_mode(Mode.DAY)
    idle(window, qtbot)  # read on the window's reader
    listed = QAccessible.queryAccessibleInterface(cal.agenda)
    assert listed.role() == QAccessible.Role.List and listed.text(QAccessible.Text.Name) == (
        "Visits shown"
    )

    def said() -> list[str]:
        items = [listed.child(i) for i in range(listed.childCount())]
        assert all(item.role() == QAccessible.Role.ListItem for item in items)
        return [item.text(QAccessible.Text.Name) for item in items]

    first = said()
    assert first[0] == (
        "09:30–10:15 Edwards family, Zoë Brontë-Núñez and Sarah Mills, "
        "Collecting or dropping off a pupil or work, approved"
    )
    assert len(first) == len(cal.view.entries) == 4
    assert first[1].startswith("11:00–11:45 Begum family") and first[1].endswith(
        "awaiting approval"
    )
    cal.refresh()
    idle(window, qtbot)  # read on the window's reader
    assert said() == first
    cal.set_mode(Mode.WEEK)  # more than one day: each says which
    idle(window, qtbot)
    assert said()[0].startswith("Mon 23 Nov 09:15–10:00 Yilmaz family")


def test_no_unnamed_layered_pane_is_said_above_the_calendar(window):
    """Qt reads a QStackedWidget as a 'layered pane': Orca said 'layered pane' before
    'Calendar.' as the week view took the focus (the calendar's stack of views). An unnamed
    stack is now an ordinary container, which screen readers pass over; the window's stack of
    screens keeps its role and its name, the screen's, which Orca says ('Today.')."""
    install_interfaces()
    window.show_panel("Calendar")
    node = QAccessible.queryAccessibleInterface(window.feature(CalendarFeature).panel.grid)
    above = []
    while node is not None and node.isValid():
        above.append((node.role(), node.text(QAccessible.Text.Name)))
        node = node.parent()
    panes = [name for role, name in above if role == QAccessible.Role.LayeredPane]
    assert panes == ["Calendar"], above


def test_moving_between_calendar_visits_is_announced(window, qtbot, monkeypatch):
    """Up/Down/Left/Right in the painted calendar say the visit now selected, as a list would:
    with a screen reader reading, its own item takes the focus (ui/calendar/accessible.py);
    before one has asked for the view, the visit is announced."""
    from ui.calendar.views import agenda_line

    cal = window.feature(CalendarFeature).panel
    window.show_panel("Calendar")
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    idle(window, qtbot)  # the calendar is read on the window's reader as it is shown
    cal.grid.setFocus()
    sent = []
    monkeypatch.setattr(QAccessible, "updateAccessibility", lambda e: sent.append(e))
    QAccessible.setActive(True)
    install_interfaces()
    made = QAccessible.queryAccessibleInterface(cal.grid)  # the view's own, kept by Qt
    cal.grid.accessible = None  # as before a screen reader has asked for the view
    qtbot.keyClick(cal.grid, Qt.Key.Key_Down)
    entry = cal.view.entry(cal.grid.selected_id)
    announced = [e for e in sent if isinstance(e, QAccessibleAnnouncementEvent)]
    assert [e.message() for e in announced] == [agenda_line(entry, with_day=True)]
    assert announced[0].message().startswith("Mon 23 Nov 09:15–10:00 Yilmaz family")
    assert announced[0].politeness() == QAccessible.AnnouncementPoliteness.Polite

    cal.grid.accessible = made  # a screen reader reads the view
    sent.clear()
    qtbot.keyClick(cal.grid, Qt.Key.Key_Down)
    entry = cal.view.entry(cal.grid.selected_id)
    focus = [e.accessibleInterface() for e in sent if e.type() == QAccessible.Event.Focus]
    assert [f.text(QAccessible.Text.Name) for f in focus] == [agenda_line(entry, with_day=True)]
    assert not [e for e in sent if isinstance(e, QAccessibleAnnouncementEvent)]  # said once


def test_the_minute_s_refresh_does_not_make_a_screen_reader_repeat_the_visit(window, qtbot, clock):
    """Orca said the visit in focus again after each reload (every minute while the calendar is
    on screen): the list was made anew. The same visits keep their items (Qt's bridge is told
    nothing); a visit that changed is told as changed."""
    from datetime import date, timedelta

    from ui.calendar.model import Mode

    cal = window.feature(CalendarFeature).panel
    window.show_panel("Calendar")
    cal.anchor = date(2026, 11, 24)
    cal.set_mode(Mode.DAY)
    idle(window, qtbot)  # read on the window's reader
    cal.agenda.setFocus()
    cal.agenda.setCurrentIndex(cal.agenda.model().index(1, 0))
    chosen = cal.agenda.selected_id()
    model = cal.agenda.model()
    resets, changed = [], []
    model.modelReset.connect(lambda: resets.append(1))
    model.dataChanged.connect(lambda first, _last: changed.append(first.row()))
    cal.refresh()
    idle(window, qtbot)  # read on the window's reader
    assert (resets, changed, cal.agenda.selected_id()) == ([], [], chosen)
    clock.advance(timedelta(hours=1))  # visits out now run overdue
    cal.refresh()
    idle(window, qtbot)  # read on the window's reader
    assert resets == [] and changed and cal.agenda.selected_id() == chosen
    assert all(model.index(r, 0).data(Qt.ItemDataRole.AccessibleTextRole) for r in changed)


def _two_fields(qtbot, filled: str):
    """A window of an empty line edit (focused) and one holding `filled`, read by a screen reader."""
    from PySide6.QtWidgets import QLineEdit, QVBoxLayout, QWidget

    install_interfaces()
    form = QWidget()
    qtbot.addWidget(form)
    first, second = QLineEdit(form), QLineEdit(filled, form)
    layout = QVBoxLayout(form)
    layout.addWidget(first)
    layout.addWidget(second)
    form.show()
    form.activateWindow()
    qtbot.waitUntil(lambda: form.isActiveWindow())
    first.setFocus()
    QAccessible.queryAccessibleInterface(form)  # a screen reader reads the window
    return form, first, second


def test_tab_into_a_line_edit_tells_the_focus_before_selecting_its_text(qtbot):
    """Qt selected a line edit's text in its FocusIn, before telling screen readers of the
    focus: Orca took the caret move as a silent focus and never said the field (sign-in's
    Password, the alarm's Step note). With a screen reader on, the text is selected the moment
    after the focus, as Tab would have it; with none, as Qt does (test_atspi hears Orca)."""
    _form, first, second = _two_fields(qtbot, "Sam Office")
    QAccessible.setActive(True)
    second.setFocus(Qt.FocusReason.TabFocusReason)
    assert second.hasFocus() and not second.hasSelectedText()  # told first, not yet selected
    qtbot.waitUntil(lambda: second.selectedText() == "Sam Office")  # then Tab's select-all
    QAccessible.setActive(False)
    first.setFocus(Qt.FocusReason.TabFocusReason)
    second.setFocus(Qt.FocusReason.TabFocusReason)
    assert second.selectedText() == "Sam Office"  # no screen reader: Qt's own, at once


def test_keys_typed_with_the_tab_are_kept_with_a_screen_reader_on(qtbot):
    """Keys that come in one batch with the Tab (a quick typist) reach a filled field before the
    delayed select-all: it selected them with the old text and the next key wiped them all.
    The delayed step now leaves a field whose text or caret moved since the focus alone."""
    from PySide6.QtCore import QCoreApplication, QEvent
    from PySide6.QtGui import QKeyEvent

    form, _first, second = _two_fields(qtbot, "Harborne Primary")
    QAccessible.setActive(True)
    window = form.windowHandle()
    for key, text in [(Qt.Key.Key_Tab, "\t"), *((Qt.Key.Key_A, c) for c in "St Mary's")]:
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            event = QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, text)
            QCoreApplication.postEvent(window, event)
    qtbot.waitUntil(lambda: second.text().endswith("St Mary's"))
    qtbot.wait(20)  # the select-all's moment has passed
    qtbot.keyClicks(second, "!")
    assert second.text().endswith("St Mary's!")  # nothing typed lost


def test_a_field_left_or_changed_before_the_select_all_is_not_selected(qtbot):
    """The delayed select-all is for the field as Tab left it: not once focus has moved on."""
    _form, first, second = _two_fields(qtbot, "Sam Office")
    QAccessible.setActive(True)
    second.setFocus(Qt.FocusReason.TabFocusReason)
    first.setFocus(Qt.FocusReason.MouseFocusReason)  # clicked away at once
    qtbot.wait(20)
    assert not second.hasSelectedText()


@pytest.mark.parametrize(
    ("platform", "delayed"),
    [
        ("xcb", True),
        ("wayland-egl", True),
        ("offscreen", True),
        ("windows", False),
        ("cocoa", False),
    ],
)
def test_tab_s_select_all_waits_only_where_screen_readers_use_at_spi(
    qtbot, monkeypatch, platform, delayed
):
    """The focus-first workaround is for Orca (AT-SPI, Linux). On Windows QAccessible is on as
    soon as any UI Automation client asks (NVDA, Narrator, other tools): there Tab selects a
    field's text at once, as Qt does, and the filter is never installed."""
    from PySide6.QtCore import QCoreApplication
    from PySide6.QtGui import QGuiApplication

    from ui import a11y_interfaces

    monkeypatch.setattr(QGuiApplication, "platformName", staticmethod(lambda: platform))
    assert a11y_interfaces.reads_over_atspi() is delayed
    monkeypatch.setattr(a11y_interfaces, "_focus_first", None)  # as in a fresh application
    try:
        _form, _first, second = _two_fields(qtbot, "Sam Office")  # a screen reader asks
        assert (a11y_interfaces._focus_first is not None) is delayed
        QAccessible.setActive(True)
        second.setFocus(Qt.FocusReason.TabFocusReason)
        assert second.hasSelectedText() is not delayed
        qtbot.waitUntil(lambda: second.selectedText() == "Sam Office")
    finally:
        if a11y_interfaces._focus_first is not None:  # this test's own, taken off again
            QCoreApplication.instance().removeEventFilter(a11y_interfaces._focus_first)
