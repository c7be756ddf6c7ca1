"""The Settings screen's save is one use case: the policy and the school's details are written
together or not at all, and the banner says which."""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from tests.ui.waiting import idle, saved


def test_a_school_write_the_database_drops_leaves_the_policy_unchanged(window, qtbot, answers):
    idle(window, qtbot)
    panel = window.settings
    before = panel.service.policy()
    spin = next(iter(panel.numbers.values()))
    spin.setValue(spin.value() - 5)  # stricter: the office may
    panel.school_phone.setText("01632 960123")
    engine = window.services.db.engine

    def school_write_drops(_c, _cur, sql, params, *_a) -> None:
        writing = sql.lstrip().upper().startswith(("INSERT", "UPDATE"))
        if writing and "school" in (params if isinstance(params, tuple | list) else ()):
            raise OperationalError(sql[:40], {}, Exception("server closed the connection"))

    event.listen(engine, "before_cursor_execute", school_write_drops)
    try:
        panel.save()
        saved(qtbot, panel)
    finally:
        event.remove(engine, "before_cursor_execute", school_write_drops)
    assert panel.service.policy() == before  # nothing half-saved
    assert "the settings change was NOT recorded" in panel.banner.text()


def test_policy_and_school_saved_together_are_one_audit_event(window, qtbot, answers):
    from sqlalchemy import select

    from hvdesk.models import Event
    from hvdesk.services.changes import latest_event_id

    idle(window, qtbot)
    panel = window.settings
    spin = next(iter(panel.numbers.values()))
    spin.setValue(spin.value() - 5)  # stricter: the office may
    panel.school_phone.setText("01632 960123")
    last = latest_event_id(window.services.db)
    panel.save()
    saved(qtbot, panel)
    # the save's events only: the tracker or a backup may write their own meanwhile
    with window.services.db.read() as session:
        kinds = session.scalars(select(Event.kind).where(Event.id > last)).all()
    assert [k for k in kinds if k.startswith(("policy", "school", "settings"))] == [
        "policy_changed"
    ], kinds
    assert panel.service.school()["phone"].endswith("1632960123")
    assert panel.service.policy().to_dict()[next(iter(panel.numbers))] == spin.value()



def _hold_next_policy_read(panel, monkeypatch):
    """The form's load, out on the reader, answers only once the returned event is set (what it
    read is from before then)."""
    import threading

    release, reading, real, calls = threading.Event(), threading.Event(), panel.service.policy, []

    def policy():
        calls.append(1)
        read = real()
        if len(calls) == 1:
            reading.set()
            release.wait(10)
        return read

    monkeypatch.setattr(panel.service, "policy", policy)
    panel.load()  # e.g. Undo changes, or a slow read at start: out on the reader
    assert reading.wait(10)
    return release


def test_a_save_pressed_while_a_read_is_out_is_not_overwritten_by_it(
    window, qtbot, answers, monkeypatch
):
    idle(window, qtbot)
    panel = window.settings
    window.show_panel("Settings")
    idle(window, qtbot)
    release = _hold_next_policy_read(panel, monkeypatch)
    panel.school_name.setText("Typed while loading")
    panel.save()
    saved(qtbot, panel)
    release.set()
    idle(window, qtbot)
    assert panel.service.policy().school_name == "Typed while loading"
    assert panel.school_name.text() == "Typed while loading"  # the older read was dropped


def test_apply_preset_while_a_read_is_out_shows_the_preset(window, qtbot, answers, monkeypatch):
    idle(window, qtbot)
    panel = window.settings
    release = _hold_next_policy_read(panel, monkeypatch)
    from hvdesk.models import Role
    from hvdesk.services.base import Actor

    panel.actor = Actor(panel.actor.user_id, panel.actor.name, Role.ADMIN.value)  # may weaken
    panel.preset.setCurrentIndex((panel.preset.currentIndex() + 1) % panel.preset.count())
    chosen = panel.preset.currentData()
    assert panel.apply_preset()
    saved(qtbot, panel)
    release.set()
    idle(window, qtbot)
    assert panel.service.policy().preset == chosen, panel.banner.text()
    assert panel.preset.currentData() == chosen
    assert panel.form_policy() == panel.service.policy()


def test_settings_read_again_when_the_database_answers_after_being_down_at_start(
    qtbot, services, office_actor, answers
):
    from tests.ui.test_screens_off_gui_thread import reads_not_answered, status
    from ui.app import build_window

    with reads_not_answered(services.db):
        win = build_window(services, office_actor)
        qtbot.addWidget(win)
        win.show()
        idle(win, qtbot)
    panel = win.settings
    assert panel.shown is None and "not answering" in status(panel)
    win.show_panel("Settings")  # shown: read again (and so after health comes back, or F5)
    idle(win, qtbot)
    assert panel.shown == services.settings.policy()
    assert panel.school_name.text() == services.settings.policy().school_name
    assert status(panel) == ""
    win.close()


def test_settings_refresh_keeps_what_was_typed(window, qtbot, answers):
    idle(window, qtbot)
    panel = window.settings
    window.show_panel("Settings")
    idle(window, qtbot)
    panel.school_name.setText("Typed, not saved")
    window.refresh_all()  # F5 (or a change from another seat)
    idle(window, qtbot)
    assert panel.school_name.text() == "Typed, not saved"
    panel.load()  # Undo changes: the database's values
    idle(window, qtbot)
    assert panel.school_name.text() == panel.service.policy().school_name
