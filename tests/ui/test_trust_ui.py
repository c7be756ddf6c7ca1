"""Trust on screen: the start-up restore offer, locked accounts for admins, a broken timeline."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text

from hvdesk import keystore
from hvdesk.cli import main
from hvdesk.models import Event, Role, UserAccount
from hvdesk.services.auth import AccountLocked, SignInFailed
from hvdesk.services.base import Actor
from hvdesk.sqlcipher_files import check_file
from tests.ui.waiting import saved, settle, shown, slow_press
from ui.backup_settings import BackupFeature
from ui.restore_offer import open_or_offer_restore
from ui.session_lock import SessionLockFeature


def _demo_with_backup(demo_file: Path, clock, capsys) -> tuple[Path, Path]:
    path = demo_file
    backup = demo_file.parent / "backups" / "school-20261124.sqlite3"
    backup.parent.mkdir()
    assert main(["backup", "--db", str(path), "--out", str(backup)]) == 0
    taken = clock.now() - timedelta(hours=3)
    os.utime(backup, (taken.timestamp(), taken.timestamp()))
    capsys.readouterr()
    return path, backup


def test_a_truncated_database_is_offered_its_backup_at_start(
    qtbot, tmp_path, clock, answers, capsys, demo_file
):
    path, _backup = _demo_with_backup(demo_file, clock, capsys)
    before = check_file(path, keystore.locate(str(path)))
    with path.open("r+b") as handle:
        handle.truncate(4096)
    db = open_or_offer_restore(str(path), clock)
    assert db is not None
    _title, question = answers["asked"][0]
    assert "Restore the backup of Tue 24 Nov 06:00?" in question  # 09:00 minus 3 hours
    assert "about 3 hours" in question and "kept beside it" in question
    assert "kept as" in answers["told"][-1][1]
    with db.read() as s:
        assert s.scalar(select(UserAccount).where(UserAccount.username == "office")) is not None
    db.dispose()
    after = check_file(path, keystore.locate(str(path)))
    assert after.counts == before.counts
    assert [p.name for p in tmp_path.glob("school.sqlite3.replaced-*")]  # the damaged one kept


def test_declining_the_offer_changes_nothing(qtbot, tmp_path, clock, answers, capsys, demo_file):
    path, _ = _demo_with_backup(demo_file, clock, capsys)
    with path.open("r+b") as handle:
        handle.truncate(4096)
    answers["reply"][0] = False
    assert open_or_offer_restore(str(path), clock) is None
    assert path.stat().st_size == 4096
    assert not list(tmp_path.glob("school.sqlite3.replaced-*"))


def test_without_a_backup_the_error_is_shown_plainly(qtbot, tmp_path, clock, answers):
    path = tmp_path / "junk.sqlite3"
    path.write_bytes(b"\x00" * 5000)
    assert open_or_offer_restore(str(path), clock) is None
    assert answers["asked"] == [] and "hvdesk" in answers["told"][0][0]


def test_a_database_folder_that_does_not_exist_is_said_on_screen_and_logged(
    qtbot, tmp_path, clock, answers, caplog
):
    """`main.py --db /nope/dir/x.sqlite3` exited rc 2 with nothing on screen."""
    missing = tmp_path / "nope" / "x.sqlite3"
    with caplog.at_level("ERROR", logger="hvdesk.start"):
        assert open_or_offer_restore(str(missing), clock) is None
    ((title, text, kind),) = answers["told"]
    assert title == "hvdesk cannot open the database" and kind == "error"
    assert "does not exist" in text and str(missing.parent) in text
    assert "does not exist" in caplog.text


def test_admin_sees_a_locked_account_and_unlocks_it(qtbot, services, answers):
    from ui.panels.users import UsersPanel

    auth = services.auth
    for _ in range(5):
        with pytest.raises(SignInFailed):
            auth.sign_in("head", "guess")
    with pytest.raises(AccountLocked):
        auth.sign_in("head", "hvdesk-demo")
    with services.db.read() as s:
        admin = s.scalar(select(UserAccount).where(UserAccount.username == "admin"))
    panel = UsersPanel(
        auth, services.staff, Actor(admin.id, admin.display_name, Role.ADMIN.value), "Headteacher"
    )
    qtbot.addWidget(panel)
    shown(panel)  # read on a worker of its own
    row = next(r for r in range(panel.model.rowCount()) if panel.model.index(r, 0).data() == "head")
    assert panel.model.index(row, 3).data().startswith("LOCKED until 09:15")
    panel.table.selectRow(row)
    assert panel.unlock_button.isEnabled()
    panel.unlock_button.click()
    saved(qtbot, panel)
    assert auth.sign_in("head", "hvdesk-demo").role == Role.APPROVER.value
    admin_row = next(
        r for r in range(panel.model.rowCount()) if panel.model.index(r, 0).data() == "admin"
    )
    panel.table.selectRow(admin_row)
    panel.role_choice.setCurrentIndex(panel.role_choice.findData("office"))
    panel.role_button.click()
    saved(qtbot, panel)
    assert "last active admin" in answers["told"][-1][1]


def _admin_users_panel(services):
    from ui.panels.users import UsersPanel

    with services.db.read() as s:
        admin = s.scalar(select(UserAccount).where(UserAccount.username == "admin"))
    actor = Actor(admin.id, admin.display_name, Role.ADMIN.value)
    return UsersPanel(services.auth, services.staff, actor, "Headteacher")


def _select_user(panel, username: str) -> None:
    row = next(
        r for r in range(panel.model.rowCount()) if panel.model.index(r, 0).data() == username
    )
    panel.table.selectRow(row)


def test_account_changes_are_written_while_the_window_keeps_answering(qtbot, services, answers):
    from tests.ui.test_tracker_writes import failing_writes

    panel = _admin_users_panel(services)
    qtbot.addWidget(panel)
    shown(panel)  # read on a worker of its own
    _select_user(panel, "office")
    panel.role_choice.setCurrentIndex(panel.role_choice.findData("approver"))
    with failing_writes(services.db):
        panel.role_button.click()
        saved(qtbot, panel)
    assert "the change to the account was NOT recorded" in panel.banner.text()
    assert next(u for u in services.auth.list() if u.username == "office").role == "office"
    answered, during = slow_press(
        qtbot, services.db, panel, panel.role_button.click, panel.set_role
    )
    assert answered and during == []
    assert next(u for u in services.auth.list() if u.username == "office").role == "approver"
    _select_user(panel, "office")
    answered, during = slow_press(
        qtbot, services.db, panel, panel.active_button.click, panel.toggle_active
    )
    assert answered and during == []
    assert not next(u for u in services.auth.list() if u.username == "office").active


def test_a_new_user_and_a_password_are_saved_off_the_gui_thread(qtbot, services, answers):
    from tests.ui.test_tracker_writes import failing_writes
    from ui.panels.users import PasswordDialog, UserDialog

    panel = _admin_users_panel(services)
    qtbot.addWidget(panel)
    shown(panel)  # read on a worker of its own
    dialog = UserDialog(services.auth, panel.actor, [], "Headteacher", panel)
    dialog.username.setText("dhead")
    dialog.display_name.setText("Dev Deputy")
    for edit in (dialog.password, dialog.confirm):
        edit.setText("correct horse")
    with failing_writes(services.db):
        dialog._save()
        saved(qtbot, dialog)
    assert "the user account was NOT recorded. What you typed is kept." in dialog.banner.text()
    assert dialog.username.text() == "dhead" and dialog.password.text() == "correct horse"
    answered, during = slow_press(qtbot, services.db, dialog, dialog._save, dialog._save)
    assert answered and during == []
    assert dialog.saved is not None and [u.username for u in services.auth.list()].count(
        "dhead"
    ) == 1
    again = PasswordDialog(services.auth, panel.actor, dialog.saved, panel)
    for edit in (again.password, again.confirm):
        edit.setText("battery staple")
    answered, during = slow_press(qtbot, services.db, again, again._save, again._save)
    assert answered and during == []
    assert services.auth.sign_in("dhead", "battery staple").name == "Dev Deputy"


def test_the_visit_timeline_warns_when_its_chain_is_broken(window, qtbot):
    window.show_panel("Visits")
    panel = window.visits
    qtbot.waitUntil(lambda: panel.model.rowCount() > 0)  # the list pages in on the worker
    panel.table.selectRow(0)
    qtbot.waitUntil(lambda: panel.timeline.count() > 0)  # so does the timeline
    assert not panel.timeline.item(0).text().startswith("WARNING")
    visit_id = panel.selected().id
    db = window.services.db
    with db.read() as s:
        target = s.scalars(select(Event.id).where(Event.visit_id == visit_id)).first()
    with db.engine.begin() as conn:
        conn.execute(text("DROP TRIGGER event_no_update"))
        conn.execute(text("UPDATE event SET note = 'nothing to see' WHERE id = :i"), {"i": target})
    panel.table.clearSelection()
    panel.table.selectRow(0)
    qtbot.waitUntil(
        lambda: panel.timeline.count() > 0 and "WARNING" in panel.timeline.item(0).text()
    )
    first = panel.timeline.item(0).text()
    assert first.startswith("WARNING") and f"event {target}" in first
    assert any(
        panel.timeline.item(i).text().startswith("[ALTERED?]")
        for i in range(panel.timeline.count())
    )


def test_switch_user_during_a_live_alarm_keeps_the_alarm_window_and_timers(window, qtbot, services):
    """The head signs in over the office session, approves, signs out: monitoring never pauses."""
    ctrl = window.tracker_controller
    alarm_windows = dict(ctrl.windows)
    assert alarm_windows and all(w.isVisible() for w in alarm_windows.values())
    lock = window.feature(SessionLockFeature).lock
    window.feature(SessionLockFeature).sign_out_action.trigger()
    assert lock.locked and lock.screen.isVisible()
    assert not window.menuBar().isEnabled()
    assert ctrl.ticker.isActive() and not ctrl.stopped
    assert all(w.isVisible() for w in alarm_windows.values())  # alarms still show over the lock
    lock.screen.username.setText("head")
    lock.screen.password.setText("wrong")
    lock.screen.sign_in.click()
    assert "not recognised" in lock.screen.error.text() and lock.locked
    lock.screen.username.setText("head")
    lock.screen.password.setText("hvdesk-demo")
    lock.screen.sign_in.click()
    assert not lock.locked and window.menuBar().isEnabled()
    assert window.actor.name == "Linda Francis" and "Linda Francis" in window.user_label.text()
    assert ctrl.actor.role == Role.APPROVER.value  # the tracker acts as the head now
    approvals = next(p for p in window.panels.values() if hasattr(p, "is_approver"))
    assert approvals.is_approver
    assert ctrl.windows == alarm_windows  # the very same alarm windows, never closed
    assert all(w.isVisible() for w in alarm_windows.values())
    assert ctrl.ticker.isActive() and ctrl.scheduler is not None and not ctrl.stopped
    first = next(iter(alarm_windows))
    ctrl.alarm_service.acknowledge(window.actor, first)
    settle(qtbot)  # the sign-out's audit event is written on the window's write worker
    with services.db.read() as s:
        kinds = list(s.scalars(select(Event.kind).order_by(Event.id.desc()).limit(4)))
        taken = s.scalars(
            select(Event).where(Event.kind == "alarm_acknowledged").order_by(Event.id.desc())
        ).first()
    assert "signed_out" in kinds and "signed_in" in kinds
    assert taken.user_name == "Linda Francis"


def test_an_idle_session_locks_with_alarms_still_showing(window, qtbot, clock):
    lock = window.feature(SessionLockFeature).lock
    ctrl = window.tracker_controller
    policy = window.services.settings.policy()
    clock.advance(timedelta(minutes=policy.idle_lock_min - 1))
    lock.check_idle()
    assert not lock.locked
    clock.advance(timedelta(minutes=1))
    lock.check_idle()
    assert lock.locked
    assert ctrl.windows and all(w.isVisible() for w in ctrl.windows.values())
    assert not ctrl.stopped
    lock.screen.username.setText("office")
    lock.screen.password.setText("hvdesk-demo")
    lock.screen.sign_in.click()
    assert not lock.locked and window.actor.name == "Sam Office"


def test_settings_show_the_last_good_backup_of_each_folder(window, qtbot, tmp_path, clock):
    from hvdesk.backup import daily_backup

    qtbot.waitUntil(lambda: "backed up" in window.db_label.text(), timeout=5000)  # today's
    clock.advance(timedelta(days=1))

    share = tmp_path / "share"
    share.mkdir()
    box = window.feature(BackupFeature).box
    box.second.setText(str(share))
    box.save()
    assert "copied to" in box.message.text()
    made = daily_backup(window.services.db, window.services.clock)
    assert made is not None and (share / made.name).is_file()  # the copy in the second folder
    box.check()
    qtbot.waitUntil(lambda: box.status.text().count("last good backup") == 2, timeout=10_000)
    box.second.setText(str(tmp_path / "missing"))
    box.save()
    assert "does not exist" in box.message.text()
    window.show_panel("Settings")
    window.resize(1280, 760)
    window.grab().save(str(tmp_path / "settings.png"))


@pytest.mark.parametrize("lose", ["emptied", "deleted"])
def test_an_emptied_or_deleted_database_is_offered_its_backup_not_welcome(
    qtbot, tmp_path, clock, answers, capsys, lose, demo_file
):
    path, backup = _demo_with_backup(demo_file, clock, capsys)
    backup = backup.rename(backup.with_name("school-20261124.sqlite3"))  # named after the file
    if lose == "emptied":
        path.write_bytes(b"")
    else:
        path.unlink()
    db = open_or_offer_restore(str(path), clock)
    assert db is not None  # restored, not a new empty database ("Welcome")
    _title, question = answers["asked"][0]
    assert "Restore the backup of" in question and str(backup) in question
    with db.read() as s:
        assert s.scalar(select(UserAccount).where(UserAccount.username == "office")) is not None
    db.dispose()


def test_the_lock_hides_open_dialogs_and_unlock_brings_them_back(window, qtbot):
    """A lone working assessment left open must not show its "Reveal safe word…" over the lock."""
    from ui.panels.approvals import ApprovalFeature

    feature = window.feature(ApprovalFeature)
    dialog = feature.open_lone_working()
    qtbot.waitUntil(dialog.isVisible, timeout=2000)
    alarms = list(window.tracker_controller.windows.values())
    window.feature(SessionLockFeature).lock.lock("session_locked_idle", "idle")
    assert not dialog.isVisible() and not dialog.reveal_button.isVisible()
    assert alarms and all(w.isVisible() for w in alarms)  # alarm windows stay up
    window.feature(SessionLockFeature).lock.unlock_as(window.actor.current)
    assert dialog.isVisible() and dialog.reveal_button.isVisible()
    dialog.close()


def test_the_no_key_dialog_takes_the_key_from_the_recovery_sheet(
    qtbot, tmp_path, clock, answers, monkeypatch, capsys
):
    from hvdesk.printing.recovery_sheet import key_groups
    from ui.key_import_dialog import KeyImportDialog

    monkeypatch.delenv(keystore.ENV_KEY)
    monkeypatch.setenv("HVDESK_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setattr(keystore, "_keyring_set", lambda *_: False)
    monkeypatch.setattr(keystore, "_keyring_get", lambda *_: None)
    path = tmp_path / "school.sqlite3"
    assert main(["demo", "--db", str(path)]) == 0
    key = keystore.locate(str(path))
    for kept in (tmp_path / "config" / "keys").iterdir():
        kept.unlink()  # a rebuilt PC: the key is only on the paper in the safe
    seen: list[str] = []

    def type_in(dialog: KeyImportDialog) -> int:
        qtbot.addWidget(dialog)
        dialog.username.setText("admin")
        dialog.password.setText("hvdesk-demo")
        dialog.key.setText("ab" * 32)  # misread
        dialog.save()
        seen.append(dialog.error.text())
        dialog.key.setText(key_groups(key))
        dialog.password.setText("hvdesk-demo")
        dialog.save()
        return dialog.result()

    monkeypatch.setattr(KeyImportDialog, "exec", type_in)
    db = open_or_offer_restore(str(path), clock)
    assert seen and "Key: the key typed does not open" in seen[0]
    assert db is not None and db.key is not None and db.key.key == key.key
    assert keystore.locate(str(path)) is not None
    db.dispose()


def test_the_window_marks_its_database_in_use_so_a_restore_is_refused(qtbot, services, capsys):
    from hvdesk import in_use
    from ui.app import _hold_database

    started, held = _hold_database(services)
    assert started and held is not None
    path = services.db.path
    assert [w for w in in_use.live_holders(path) if w.startswith("the hvdesk window of")]
    assert main(["restore", str(path), "--db", str(path)]) == 2
    assert "open in another hvdesk: the hvdesk window of" in capsys.readouterr().err
    held.release()
    assert in_use.live_holders(path) == []
