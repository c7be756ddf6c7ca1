"""The foundation screens over the demo school: real data, validation in the UI, nothing lost."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox
from sqlalchemy import select

from hvdesk.models import Event, Household, Staff, VisitStatus
from tests.ui.waiting import idle, returns_while_held, saved, shown, slow_press
from ui.login import FirstRunDialog, LoginDialog
from ui.models.table import ObjectRole
from ui.panels.households import HouseholdDialog, RiskDialog
from ui.panels.staff import StaffDialog

pytestmark = pytest.mark.ui


def click_save(qtbot, dialog):
    box = dialog.findChild(QDialogButtonBox)
    qtbot.mouseClick(box.button(QDialogButtonBox.StandardButton.Save), Qt.MouseButton.LeftButton)
    if hasattr(dialog, "saving"):  # written on a worker (ui/dialog_save.py): wait for the answer
        saved(qtbot, dialog)


def test_main_window_shows_demo_data_and_status(window, qtbot):
    idle(window, qtbot)  # the status bar's facts are read on the worker
    names = [window.nav.item(i).text() for i in range(window.nav.count())]
    for expected in ("Today", "Visits", "Staff", "Households", "Settings"):
        assert expected in names
    assert window.today.out_model.rowCount() == 5
    assert "5 out now" in window.counts_label.text()
    assert "Jasmin Patel" in window.counts_label.toolTip()
    # few words on the bar, the whole sentence for the tooltip and a screen reader
    assert window.db_label.text().endswith("sqlite3 · NOT encrypted")
    assert window.db_label.accessibleName().startswith("Database: ")
    assert window.db_label.accessibleDescription().startswith("Database: local (")
    assert window.db_label.toolTip() == window.db_label.accessibleDescription()
    assert window.user_label.text() == "Sam Office (office)"
    assert window.user_label.accessibleName() == "Signed in: Sam Office (office)"
    assert "Harborne" in window.policy_label.text()
    assert "Sam Office" in window.user_label.text()
    window.show_panel("Staff")
    shown(window)
    assert window.staff.model.rowCount() == 10  # the leaver is hidden
    window.staff.show_inactive.setChecked(True)
    shown(window)
    assert window.staff.model.rowCount() == 11
    window.show_panel("Households")
    qtbot.waitUntil(lambda: window.households.model.complete)  # read on the worker
    assert window.households.model.rowCount() == 29


def test_toolbar_search_filters_households(window, qtbot):
    window.search.setText("B17 0AB")
    qtbot.keyClick(window.search, Qt.Key.Key_Return)
    assert window.stack.currentWidget() is window.households
    # searched by the database on the worker: the list holds only the matches
    qtbot.waitUntil(lambda: window.households.model.complete)
    assert 0 < window.households.model.rowCount() < 29


def test_staff_dialog_shows_each_bad_field_and_saves_nothing(qtbot, services, office_actor):
    dialog = StaffDialog(services.staff, office_actor)
    qtbot.addWidget(dialog)
    dialog.name.setText("")
    dialog.mobile.setText("0121 496 0000")
    dialog.vehicle_registration.setText("!!")
    click_save(qtbot, dialog)
    assert dialog.banner.isVisible() or not dialog.banner.isHidden()
    text = dialog.banner.text()
    assert "Name: is required" in text
    assert "Mobile:" in text and "landline" in text
    assert "Vehicle registration" in text
    assert dialog.mobile.styleSheet()  # field marked
    assert "landline" in dialog.mobile.toolTip()
    assert dialog.result() == 0
    with services.db.read() as s:
        assert s.scalar(select(Staff).where(Staff.name == "")) is None


def test_staff_dialog_creates_and_edits(qtbot, services, office_actor):
    dialog = StaffDialog(services.staff, office_actor)
    qtbot.addWidget(dialog)
    dialog.name.setText("Noël Ødegård")
    dialog.mobile.setText("07700 900555")
    dialog.vehicle_registration.setText("ab12 cde")
    click_save(qtbot, dialog)
    assert dialog.result() == 1
    saved = dialog.saved
    assert saved.mobile == "+447700900555" and saved.vehicle_registration == "AB12 CDE"
    edit = StaffDialog(services.staff, office_actor, services.staff.get(saved.id))
    qtbot.addWidget(edit)
    assert edit.mobile.text() == "07700 900555"
    edit.job_title.setText("Attendance Officer")
    click_save(qtbot, edit)
    assert services.staff.get(saved.id).job_title == "Attendance Officer"


def test_a_staff_member_is_saved_while_the_window_keeps_answering(qtbot, services, office_actor):
    from tests.ui.test_tracker_writes import Beats, slow

    dialog = StaffDialog(services.staff, office_actor)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.name.setText("Noël Ødegård")
    dialog.mobile.setText("07700 900555")
    save = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save)
    with slow(services.db) as on_gui_thread:
        beats = Beats(lambda: dialog.result() != 1)
        answered = returns_while_held(services.db, lambda: save.click())
        during_click = list(on_gui_thread)
        assert dialog.banner.text() == "Saving…" and not save.isEnabled()
        qtbot.waitUntil(lambda: dialog.result() == 1, timeout=30_000)
        beats.stop()
    assert answered and during_click == [] and beats.during >= 3
    with services.db.read() as s:
        assert len(s.scalars(select(Staff).where(Staff.name == "Noël Ødegård")).all()) == 1


def test_a_staff_member_the_database_does_not_take_keeps_what_was_typed(
    qtbot, services, office_actor
):
    from tests.ui.test_tracker_writes import failing_writes

    dialog = StaffDialog(services.staff, office_actor)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.name.setText("Noël Ødegård")
    dialog.mobile.setText("07700 900555")
    with failing_writes(services.db):
        click_save(qtbot, dialog)
    assert "the staff member was NOT recorded. What you typed is kept." in dialog.banner.text()
    assert dialog.isVisible() and dialog.name.text() == "Noël Ødegård" and dialog.result() == 0
    with services.db.read() as s:
        assert s.scalar(select(Staff).where(Staff.name == "Noël Ødegård")) is None


def test_deactivate_staff_asks_then_keeps_the_record(window, qtbot, answers):
    window.show_panel("Staff")
    shown(window)
    panel = window.staff
    panel.table.selectRow(0)
    name = panel.selected().name
    answers["reply"][0] = False
    panel.active_button.click()
    assert panel.model.rowCount() == 10
    answers["reply"][0] = True
    panel.active_button.click()
    saved(qtbot, panel)
    shown(window)  # read again on the reader
    assert panel.model.rowCount() == 9
    assert any("Nothing is deleted" in text for _t, text in answers["asked"])
    with window.services.db.read() as s:
        assert s.scalar(select(Staff).where(Staff.name == name)).active is False


def test_deactivating_staff_is_written_while_the_window_keeps_answering(window, qtbot, answers):
    from tests.ui.test_tracker_writes import failing_writes

    window.show_panel("Staff")

    shown(window)
    panel = window.staff
    panel.table.selectRow(0)
    name = panel.selected().name
    with failing_writes(window.services.db):
        panel.active_button.click()
        saved(qtbot, panel)
    assert "the change was NOT recorded" in panel.banner.text()
    assert panel.model.rowCount() == 10 and panel.selected().name == name
    assert panel.saving.writer is window.writer  # the window's one write worker
    answered, during = slow_press(
        qtbot, window.services.db, panel, panel.active_button.click, panel.toggle_active
    )
    assert answered and during == []
    shown(window)  # the list is read again on the reader
    assert panel.model.rowCount() == 9
    with window.services.db.read() as s:
        assert s.scalar(select(Staff).where(Staff.name == name)).active is False


def test_the_staff_and_household_dialogs_save_on_the_windows_writer(window, monkeypatch):
    from PySide6.QtWidgets import QDialog

    writers = []
    monkeypatch.setattr(QDialog, "exec", lambda self: writers.append(self) and 0)  # cancelled
    window.staff.add()
    window.households.add()
    window.households._household = window.services.households.list()[0]
    window.households.add_risk()
    assert [type(d).__name__ for d in writers] == ["StaffDialog", "HouseholdDialog", "RiskDialog"]
    assert all(d.saving.writer is window.writer for d in writers)


def test_household_dialog_validation_and_pupils(qtbot, services, office_actor):
    dialog = HouseholdDialog(services.households, office_actor)
    qtbot.addWidget(dialog)
    dialog.name.setText("Ng family")
    dialog.address.setPlainText("3 Elm Close\nHarborne")
    dialog.postcode.setText("not a postcode")
    click_save(qtbot, dialog)
    assert "Postcode" in dialog.banner.text()
    assert dialog.result() == 0
    dialog.postcode.setText("b17 9ns")
    dialog.pupils.item(0, 0).setText("Ava Ng")
    dialog.pupils.item(0, 1).setText("Reception")
    click_save(qtbot, dialog)
    assert dialog.result() == 1
    saved = services.households.get(dialog.saved.id)
    assert saved.postcode == "B17 9NS"
    assert [p.name for p in saved.pupils] == ["Ava Ng"]


def test_risk_dialog_flags_review(qtbot, services, office_actor):
    household = services.households.list()[1]
    dialog = RiskDialog(services.households, office_actor, household)
    qtbot.addWidget(dialog)
    click_save(qtbot, dialog)
    assert "Risk description" in dialog.banner.text()
    dialog.description.setPlainText("Two large dogs loose in the front garden")
    click_save(qtbot, dialog)
    assert services.households.get(household.id).assessment_needs_review is True


def test_a_risk_is_written_while_the_window_keeps_answering(qtbot, services, office_actor):
    from tests.ui.test_tracker_writes import failing_writes

    household = services.households.list()[1]
    dialog = RiskDialog(services.households, office_actor, household)
    qtbot.addWidget(dialog)
    dialog.description.setPlainText("Two large dogs loose in the front garden")
    with failing_writes(services.db):
        click_save(qtbot, dialog)
    assert "the known risk was NOT recorded. What you typed is kept." in dialog.banner.text()
    assert dialog.description.toPlainText() == "Two large dogs loose in the front garden"
    assert services.households.get(household.id).assessment_needs_review is False
    answered, during = slow_press(qtbot, services.db, dialog, dialog._save, dialog._save)
    assert answered and during == []
    assert dialog.result() == 1
    assert len([r for r in services.households.get(household.id).risks if "dogs" in r.description]) == 1


def test_settings_apply_preset_and_reject_bad_values(window, qtbot, answers):
    window.show_panel("Settings")
    panel = window.settings
    panel.preset.setCurrentIndex(panel.preset.findData("hampton"))
    panel.apply_preset()  # the office may not relax Harborne's hourly check-ins
    saved(qtbot, panel)
    assert "approver" in panel.banner.text()
    assert window.services.settings.policy().preset == "harborne"
    from hvdesk.services.auth import AuthService

    head = AuthService(window.services.db, window.services.clock).sign_in("head", "hvdesk-demo")
    panel.actor = head
    panel.apply_preset()
    saved(qtbot, panel)
    assert window.services.settings.policy().return_grace_min == 30
    assert panel.numbers["return_grace_min"].value() == 30
    panel.numbers["checkin_interval_min"].setValue(5)
    panel.save()
    saved(qtbot, panel)
    assert "Check-in interval" in panel.banner.text()
    assert window.services.settings.policy().checkin_interval_min == 120
    panel.numbers["checkin_interval_min"].setValue(90)
    panel.save()
    saved(qtbot, panel)
    assert window.services.settings.policy().checkin_interval_min == 90


def test_a_preset_is_applied_while_the_window_keeps_answering(window, qtbot, answers):
    from hvdesk.services.auth import AuthService
    from tests.ui.test_tracker_writes import failing_writes

    window.show_panel("Settings")
    panel = window.settings
    assert panel.saving.writer is window.writer
    panel.actor = AuthService(window.services.db, window.services.clock).sign_in(
        "head", "hvdesk-demo"
    )
    panel.preset.setCurrentIndex(panel.preset.findData("hampton"))
    with failing_writes(window.services.db):
        panel.apply_preset()
        saved(qtbot, panel)
    assert "the settings change was NOT recorded. What you typed is kept." in panel.banner.text()
    assert window.services.settings.policy().preset == "harborne"
    assert panel.preset.currentData() == "hampton"  # the choice is kept: try again
    answered, during = slow_press(
        qtbot, window.services.db, panel, panel.apply_preset, panel.apply_preset
    )
    assert answered and during == []
    assert window.services.settings.policy().return_grace_min == 30
    assert panel.numbers["return_grace_min"].value() == 30


def test_settings_read_only_for_visiting_staff(qtbot, services):
    from ui.panels.settings import SettingsPanel

    visitor = services.auth.sign_in("jpatel", "hvdesk-demo")
    panel = SettingsPanel(services.settings, visitor)
    qtbot.addWidget(panel)
    assert not panel.save_button.isEnabled()
    assert "office staff, approvers and admins change them" in panel.intro.text()


def test_login_dialog(qtbot, services):
    dialog = LoginDialog(services)
    qtbot.addWidget(dialog)
    dialog.username.setText("head")
    dialog.password.setText("wrong")
    dialog._sign_in()
    assert "not recognised" in dialog.banner.text()
    dialog.password.setText("hvdesk-demo")
    dialog._sign_in()
    assert dialog.actor is not None and dialog.actor.is_approver


def test_first_run_offers_demo_school(qtbot, db, clock):
    from ui.services import AppServices

    services = AppServices.build(db, clock)
    dialog = FirstRunDialog(services)
    qtbot.addWidget(dialog)
    qtbot.mouseClick(dialog.demo_button, Qt.MouseButton.LeftButton)
    assert dialog.actor is not None and dialog.actor.name == "Sam Office"
    with db.read() as s:
        assert len(s.scalars(select(Household)).all()) == 30


def test_first_run_sets_up_own_school(qtbot, db, clock):
    from ui.services import AppServices

    services = AppServices.build(db, clock)
    dialog = FirstRunDialog(services)
    qtbot.addWidget(dialog)
    dialog.preset.setCurrentIndex(dialog.preset.findData("st_hughs"))
    dialog.display_name.setText("Pat Admin")
    dialog.password.setText("short")
    dialog._create()
    assert "Password" in dialog.banner.text()
    dialog.password.setText("a long password")
    dialog._create()
    assert dialog.actor.role == "admin"
    assert services.settings.policy().preset == "st_hughs"
    with db.read() as s:
        kinds = {e.kind for e in s.scalars(select(Event))}
    assert {"user_created", "policy_changed", "signed_in"} <= kinds


def test_other_seats_changes_show_within_seconds(window, qtbot, clock):
    """A second seat (its own Database on the same file) cancels a visit; this seat refreshes."""
    from hvdesk.db import Database
    from hvdesk.services.base import Actor
    from hvdesk.services.cancellation import CancellationService

    window.show_panel("Today")
    later = window.today.later_model.rows()
    assert later, "demo has visits later today"
    other = Database(str(window.services.db.engine.url))
    CancellationService(other, clock).cancel(
        Actor(None, "Other seat"), later[0].id, "family_cancelled"
    )
    other.dispose()
    # no click here: the change feed wakes (SQLite data_version) and announces it by itself
    # bounds, not waits: a busy machine may take a few seconds for the watcher and the worker
    with qtbot.waitSignal(
        window.live.changed, timeout=10_000, check_params_cb=lambda c: later[0].id in c.visit_ids
    ):
        pass
    qtbot.waitUntil(lambda: window.today.later_model.rowCount() == len(later) - 1, timeout=10_000)


def test_backup_runs_off_the_gui_thread_and_shows(window, qtbot):
    qtbot.waitUntil(lambda: "backed up" in window.db_label.text(), timeout=15000)


def test_visits_screen_lists_real_visits_with_timeline_and_actions(window, qtbot):
    window.show_panel("Visits")
    panel = window.visits
    qtbot.waitUntil(lambda: panel.model.complete)
    assert panel.model.rowCount() == len(window.services.visits.recent(5000)) > 40
    panel.status.setCurrentIndex(panel.status.findData("returned"))
    qtbot.waitUntil(lambda: panel.model.complete)
    assert panel.model.rowCount() == 2
    panel.table.selectRow(0)
    assert panel.actions_button.isEnabled()
    qtbot.waitUntil(lambda: panel.timeline.count() >= 4)  # booked, submitted, approved, departed
    assert "Returned to school" in [
        panel.timeline.item(i).text().split("  ")[1] for i in range(panel.timeline.count())
    ]
    menu = window.visit_actions.menu(window.services.visits.get(panel.selected().id), window)
    assert "Write up outcome…" in [a.text() for a in menu.actions()]


def test_lists_sort_by_real_values_not_text(window, qtbot):
    window.show_panel("Visits")
    model = window.visits.model
    qtbot.waitUntil(lambda: model.complete and model.rowCount() > 0)
    starts = [model.index(r, 0).data(ObjectRole).start for r in range(model.rowCount())]
    assert starts == sorted(starts, reverse=True)
    window.visits.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    qtbot.waitUntil(lambda: model.complete and model.rowCount() > 0)
    starts = [model.index(r, 0).data(ObjectRole).start for r in range(model.rowCount())]
    assert starts == sorted(starts)
    window.show_panel("Staff")
    shown(window)
    staff = window.staff
    staff.table.sortByColumn(4, Qt.SortOrder.AscendingOrder)  # DBS check date
    dates = [
        staff.proxy.index(r, 0).data(ObjectRole).dbs_date for r in range(staff.proxy.rowCount())
    ]
    assert [d for d in dates if d] == sorted(d for d in dates if d)


def test_staff_screen_flags_a_dbs_check_that_is_not_current(window):
    window.show_panel("Staff")
    shown(window)
    model = window.staff.model
    status = {model.row_object(r).name: model.index(r, 5).data() for r in range(model.rowCount())}
    assert status["Bethan Smith"].startswith("⚠ DBS not current")
    assert status["Jasmin Patel"] == "✓ Active"


def test_today_lists_approvals_and_write_ups_apart(window):
    window.show_panel("Today")
    today = window.today
    awaiting = window.services.visits.with_status(VisitStatus.AWAITING_APPROVAL)
    returned = window.services.visits.with_status(VisitStatus.RETURNED)
    assert today.approval_model.rowCount() == len(awaiting) > 0
    assert today.writeup_model.rowCount() == len(returned) == 2
    assert today.approval_title.text() == f"AWAITING APPROVAL ({len(awaiting)})"
    assert [c.title for c in today.approval_model.columns] == [
        "When",
        "Household",
        "Staff",
        "Purpose",
    ]


def test_another_seats_return_refreshes_today_off_the_gui_thread(window, qtbot, clock, monkeypatch):
    """A visit returned on another seat: Today's lists are read on the worker, never the GUI."""
    import threading

    from hvdesk.db import Database
    from hvdesk.services.base import Actor
    from hvdesk.services.tracker import TrackerService

    window.show_panel("Today")
    today = window.today
    out = TrackerService(window.services.db, clock).board(clock.now()).rows
    assert out, "demo has visits out"
    writeups = today.writeup_model.rowCount()
    reads_on: list[threading.Thread] = []
    with_status = today.queries.with_status

    def spy(*statuses):
        reads_on.append(threading.current_thread())
        return with_status(*statuses)

    monkeypatch.setattr(today.queries, "with_status", spy)
    other = Database(str(window.services.db.engine.url), run_migrations=False)
    TrackerService(other, clock).returned(Actor(None, "Other seat"), out[0].visit.id)
    other.dispose()
    qtbot.waitUntil(lambda: today.writeup_model.rowCount() == writeups + 1, timeout=5000)
    assert reads_on and threading.main_thread() not in reads_on
