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
    from hvdesk.services.changes import latest_event_id

    idle(window, qtbot)
    panel = window.settings
    spin = next(iter(panel.numbers.values()))
    spin.setValue(spin.value() - 5)  # stricter: the office may
    panel.school_phone.setText("01632 960123")
    last = latest_event_id(window.services.db)
    panel.save()
    saved(qtbot, panel)
    assert latest_event_id(window.services.db) == last + 1
    assert panel.service.school()["phone"].endswith("1632960123")
    assert panel.service.policy().to_dict()[next(iter(panel.numbers))] == spin.value()

