"""Enter to the main window: the window is built while the password is checked on a thread, and
screens hidden behind Today read their data when first shown, not at start-up."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QCoreApplication
from sqlalchemy import event, func, select

from hvdesk.models import Event, UserAccount
from ui.app import PreparedWindow, build_window, finish_window
from ui.login import LoginDialog
from ui.main_window import MainWindow
from ui.worker import Worker

from .conftest import delete_now


def _close(window: MainWindow) -> None:
    """Close, let the close's follow-ups run (this PC's duties stop), then delete at once."""
    window.close()
    QCoreApplication.processEvents()
    delete_now(window)


def _events(services) -> int:
    with services.db.read() as s:
        return int(s.scalar(select(func.count(Event.id))))


def test_expected_actor_is_who_sign_in_gives_and_records_nothing(services, clock):
    before = _events(services)
    expected = services.auth.expected_actor(" Office ")
    assert _events(services) == before  # a look-up, not a sign-in: nothing in the audit trail
    assert expected == services.auth.sign_in("office", "hvdesk-demo")
    assert services.auth.expected_actor("nobody") is None
    with services.db.transaction() as s:
        user = s.scalar(select(UserAccount).where(UserAccount.username == "head"))
        user.locked_until = clock.now().replace(hour=23)
    assert services.auth.expected_actor("head") is None


def _dialog(qtbot, services, built: list) -> LoginDialog:
    dialog = LoginDialog(services, prepare=built.append)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


def test_the_window_is_prepared_while_the_password_is_checked(qtbot, services):
    built: list = []
    dialog = LoginDialog(services, prepare=lambda actor: built.append((actor, dialog.actor)))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.username.setText("head")
    dialog.password.setText("hvdesk-demo")
    dialog._sign_in()
    assert not dialog._sign_in_button().isEnabled()
    qtbot.waitUntil(lambda: dialog.actor is not None, timeout=10_000)
    # prepare ran on the GUI thread (whom the username names looked up on the dialog's thread
    # first), before the check on that thread had answered: nobody was signed in yet
    assert built == [(services.auth.expected_actor("head"), None)]
    assert dialog.actor == built[0][0] and dialog.actor.is_approver


def test_who_the_username_names_is_never_looked_up_on_the_gui_thread(qtbot, services):
    """At the pause after the username, and at Enter without a pause: the look-up runs on the
    dialog's thread (the GUI thread never waits on the database)."""
    gui = threading.get_ident()
    on_gui: list[str] = []

    def statement(_conn, _cursor, sql: str, *_rest) -> None:
        if threading.get_ident() == gui:
            on_gui.append(sql)

    built: list = []
    dialog = _dialog(qtbot, services, built)
    event.listen(services.db.engine, "before_cursor_execute", statement)
    try:
        dialog.username.setText("head")  # the pause
        qtbot.waitUntil(lambda: len(built) == 1, timeout=5_000)
        dialog.username.setText("office")
        dialog.password.setText("hvdesk-demo")
        dialog._sign_in()  # Enter before the pause
        qtbot.waitUntil(lambda: dialog.actor is not None, timeout=10_000)
    finally:
        event.remove(services.db.engine, "before_cursor_execute", statement)
    assert on_gui == []
    assert built == [services.auth.expected_actor("head"), services.auth.expected_actor("office")]
    assert dialog.result() == LoginDialog.DialogCode.Accepted


def test_a_wrong_password_on_the_thread_is_the_same_message(qtbot, services):
    built: list = []
    dialog = _dialog(qtbot, services, built)
    dialog.username.setText("head")
    dialog.password.setText("wrong")
    dialog._sign_in()
    qtbot.waitUntil(lambda: dialog._sign_in_button().isEnabled(), timeout=10_000)
    assert dialog.actor is None and "not recognised" in dialog.banner.text()
    assert dialog.password.text() == ""
    dialog.username.setText("nobody")
    dialog.password.setText("x")
    dialog._sign_in()
    qtbot.waitUntil(lambda: dialog._sign_in_button().isEnabled(), timeout=10_000)
    assert len(built) == 1  # nobody to build a window for: none was built
    assert dialog.actor is None and "not recognised" in dialog.banner.text()


def test_cancel_while_checking_signs_nobody_in(qtbot, services):
    dialog = _dialog(qtbot, services, [])
    dialog.username.setText("office")
    dialog.password.setText("hvdesk-demo")
    dialog._sign_in()
    dialog.reject()
    for checker in dialog.findChildren(Worker):
        checker.wait()
    QCoreApplication.processEvents()  # the thread's answer is delivered, and ignored
    assert dialog.actor is None and dialog.result() == LoginDialog.DialogCode.Rejected


def test_a_prepared_window_starts_only_for_the_person_it_was_built_for(
    qtbot, services, office_actor
):
    prepared = PreparedWindow()
    prepared.build(services, office_actor)
    shell = prepared.window
    assert isinstance(shell, MainWindow)
    assert not shell.live.started and not shell._backup_timer.isActive()  # nothing runs yet
    head = services.auth.expected_actor("head")
    assert prepared.take(head) is None and prepared.window is None  # built for someone else
    prepared.build(services, office_actor)
    window = prepared.take(office_actor)
    assert window is not None and prepared.window is None
    window.show()  # as at start; closed and deleted below, as the window fixture does
    finish_window(window)
    assert window.live.started and window._backup_timer.isActive()
    assert window.tracker_controller is not None  # the features are in
    _close(window)


def test_hidden_screens_read_their_data_when_first_shown(
    qtbot, services, office_actor, monkeypatch
):
    from ui.panels.approvals import ApprovalPanel
    from ui.panels.calendar import CalendarPanel
    from ui.panels.households import HouseholdsPanel
    from ui.panels.today import TodayPanel

    reads: list[str] = []
    for panel in (ApprovalPanel, CalendarPanel, HouseholdsPanel, TodayPanel):
        real = panel.refresh

        def counted(self, real=real, name=panel.__name__):
            reads.append(name)
            real(self)

        monkeypatch.setattr(panel, "refresh", counted)
    window = build_window(services, office_actor)
    window.show()  # as at start; closed and deleted below, as the window fixture does
    assert reads == ["TodayPanel"]  # Today once; the screens behind it not at all
    window.show_panel("Households")
    qtbot.waitUntil(
        lambda: window.households.model.rowCount() == 29
    )  # its first page, read on the worker
    window.show_panel("Approval")
    window.show_panel("Calendar")
    assert reads[1:] == ["HouseholdsPanel", "ApprovalPanel", "CalendarPanel"]
    _close(window)


@pytest.mark.parametrize("username", ["office", "head"])
def test_the_prepared_window_is_the_one_shown_after_sign_in(qtbot, services, username):
    prepared = PreparedWindow()
    dialog = LoginDialog(services, prepare=lambda actor: prepared.build(services, actor))
    qtbot.addWidget(dialog)
    dialog.username.setText(username)
    dialog.password.setText("hvdesk-demo")
    dialog._sign_in()
    qtbot.waitUntil(lambda: dialog.actor is not None, timeout=10_000)
    shell = prepared.window  # built (whom the username names looked up first) before the check
    window = prepared.take(dialog.actor)
    assert window is shell and window is not None
    window.show()  # as at start; closed and deleted below, as the window fixture does
    finish_window(window)
    assert window.actor.name == dialog.actor.name
    _close(window)


def test_at_start_the_tracker_comes_first_and_the_other_screens_after_the_first_paint(
    qtbot, services, office_actor
):
    from ui.app import build_shell

    window = finish_window(build_shell(services, office_actor), rest_after_paint=True)
    assert window.tracker_controller is not None  # alarms and Today's board: before the paint
    assert window.live.started
    assert "Attendance" not in window.panels and "Incidents" not in window.panels
    window.show()
    qtbot.waitUntil(lambda: "Attendance" in window.panels, timeout=10_000)
    names = [window.nav.item(i).text() for i in range(window.nav.count())]
    full = build_window(services, office_actor)  # the same screens, in the same order
    assert names == [full.nav.item(i).text() for i in range(full.nav.count())]
    full.show()
    _close(full)
    _close(window)


def test_a_database_failure_while_checking_is_one_plain_line(qtbot, services, monkeypatch):
    def broken(username, password):
        raise RuntimeError("disk I/O error")

    monkeypatch.setattr(services.auth, "sign_in", broken)
    dialog = _dialog(qtbot, services, [])
    dialog.username.setText("office")
    dialog.password.setText("hvdesk-demo")
    dialog._sign_in()
    qtbot.waitUntil(lambda: dialog._sign_in_button().isEnabled(), timeout=10_000)
    assert dialog.actor is None
    assert dialog.banner.text() == (
        "The database did not answer while checking the password; try again."
    )


def test_the_cancel_button_works_while_the_password_is_checked(qtbot, services):
    from PySide6.QtCore import Qt

    dialog = _dialog(qtbot, services, [])
    dialog.username.setText("office")
    dialog.password.setText("hvdesk-demo")
    dialog._sign_in()
    sign_in, cancel = dialog.sign_in_button, dialog.cancel_button
    assert not sign_in.isEnabled() and cancel.isEnabled()
    qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    for checker in dialog.findChildren(Worker):
        checker.wait()
    QCoreApplication.processEvents()
    assert dialog.actor is None and dialog.result() == LoginDialog.DialogCode.Rejected


@pytest.mark.parametrize("field", ["username", "password"])
def test_enter_in_either_field_signs_in_and_the_buttons_say_what_they_do(qtbot, field):
    """The dialog's buttons are plain ones with roles (not the theme's Ok/Cancel, slow to make):
    Enter still presses Sign in, Escape still cancels, and each says its own name."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QDialogButtonBox

    dialog = LoginDialog(None)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert [b.text() for b in dialog.buttons.buttons()] == ["Sign in", "Cancel"]
    assert (
        dialog.buttons.buttonRole(dialog.sign_in_button) == QDialogButtonBox.ButtonRole.AcceptRole
    )
    getattr(dialog, field).setFocus()
    qtbot.keyClick(getattr(dialog, field), Qt.Key.Key_Return)
    # no database yet: pressing Sign in waits for it, and says so
    assert dialog._pending and "Opening the database" in dialog.banner.text()
    qtbot.keyClick(dialog.password, Qt.Key.Key_Escape)
    assert dialog.result() == LoginDialog.DialogCode.Rejected and not dialog.isVisible()


def test_the_window_is_prepared_once_the_username_is_typed(qtbot, services):
    """A pause after the username: the window is built for the person it names while the
    password is typed, so Enter leaves only the password check and the first paint."""
    built: list = []
    dialog = _dialog(qtbot, services, built)
    pause = dialog._name_pause
    dialog.username.setText("nobody")
    assert pause.isActive()
    qtbot.waitUntil(lambda: not pause.isActive(), timeout=5_000)
    assert built == []  # names nobody: nothing to build
    dialog.username.setText("hea")
    dialog.username.setText("head")  # still typing: one build, for the name typed last
    qtbot.waitUntil(lambda: built != [], timeout=5_000)
    assert built == [services.auth.expected_actor("head")] and dialog.actor is None
    dialog.username.setText("office")
    assert pause.isActive()
    dialog.reject()  # closed before the pause ended: nothing more is built
    assert not pause.isActive() and len(built) == 1


def test_signing_in_says_when_the_later_warm_up_should_stand_aside(qtbot, services):
    """The later screens' warm-up is skipped once Sign in is pressed (ui.app): it would take
    the interpreter from the check and the first paint."""
    dialog = _dialog(qtbot, services, [])
    assert not dialog.signing_in
    dialog.username.setText("office")
    dialog.password.setText("hvdesk-demo")
    dialog._sign_in()
    assert dialog.signing_in  # being checked
    qtbot.waitUntil(lambda: dialog.actor is not None, timeout=10_000)
    assert dialog.signing_in  # signed in


def test_the_database_down_while_the_username_is_typed_is_no_crash(qtbot, services, monkeypatch):
    """The pause after the username looks up who it names; if the database does not answer,
    nothing is prepared (the password check says the one plain line) and it is asked again."""
    from sqlalchemy.exc import OperationalError

    def down(*_args):
        raise OperationalError("select", {}, Exception("server closed the connection"))

    real = services.auth.expected_actor
    monkeypatch.setattr(services.auth, "expected_actor", down)
    monkeypatch.setattr(services.auth, "sign_in", down)
    built: list = []
    dialog = _dialog(qtbot, services, built)
    dialog.username.setText("office")
    qtbot.waitUntil(lambda: not dialog._name_pause.isActive(), timeout=5_000)
    QCoreApplication.processEvents()  # the pause's look-up has run (raised before the fix)
    assert built == []
    dialog.password.setText("hvdesk-demo")
    dialog._sign_in()  # Enter with the database still down: one plain line, no crash
    qtbot.waitUntil(lambda: dialog._sign_in_button().isEnabled(), timeout=10_000)
    assert dialog.banner.text().startswith("The database did not answer")
    monkeypatch.setattr(services.auth, "expected_actor", real)  # the database answers again
    dialog.username.setText("head")
    qtbot.waitUntil(lambda: built != [], timeout=5_000)
    assert built == [real("head")]


def test_enter_after_the_pause_builds_the_window_beside_the_check_not_before_it(qtbot, services):
    """The name was looked up at the pause: at Enter the password's check is handed to its
    thread first, then the window is built meanwhile (not the build, then the check)."""
    checks_queued: list[int] = []
    dialog = LoginDialog(
        services,
        prepare=lambda _a: checks_queued.append(0 if dialog._checker is None else 1),
    )
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.username.setText("office")
    qtbot.waitUntil(lambda: len(checks_queued) == 1, timeout=5_000)  # the pause's look-up
    dialog.password.setText("hvdesk-demo")
    dialog._sign_in()
    assert checks_queued == [0, 1]  # built at once at Enter, the check already on its way
    qtbot.waitUntil(lambda: dialog.actor is not None, timeout=10_000)
