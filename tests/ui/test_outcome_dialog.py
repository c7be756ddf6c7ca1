from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox
from sqlalchemy import func, select

from hvdesk.events import EventKind
from hvdesk.models import Event, VisitStatus
from hvdesk.services.outcomes import OutcomeService
from tests.ui.test_tracker_writes import Beats, failing_writes, slow
from tests.ui.waiting import returns_while_held, saved
from ui.outcome_dialog import OutcomeDialog

pytestmark = pytest.mark.ui


def test_write_up_from_the_visit_menu(window, qtbot, answers):
    returned = window.services.visits.with_status(VisitStatus.RETURNED)[0]
    labels = [a.label for a in window.visit_actions.for_visit(returned)]
    assert "Write up outcome…" in labels
    service = OutcomeService(window.services.db, window.services.clock)
    dialog = OutcomeDialog(service, window.actor, window.services.visits.get(returned.id), window)
    qtbot.addWidget(dialog)
    dialog._save()
    saved(qtbot, dialog)
    assert "Summary" in dialog.banner.text()
    dialog.summary.setPlainText("Nobody home")
    dialog.nobody_home.setChecked(True)
    answers["reply"][0] = False
    dialog._save()
    saved(qtbot, dialog)
    assert "slip" in answers["asked"][-1][1]
    assert window.services.visits.get(returned.id).status == "returned"
    dialog.slip_left.setChecked(True)
    dialog._save()
    saved(qtbot, dialog)
    assert window.services.visits.get(returned.id).status == "completed"


def _outcome_dialog(window, qtbot):
    returned = window.services.visits.with_status(VisitStatus.RETURNED)[0]
    service = OutcomeService(window.services.db, window.services.clock)
    visit = window.services.visits.get(returned.id)
    dialog = OutcomeDialog(service, window.actor, visit, window, writer=window.writer)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.summary.setPlainText("Saw mum and Ben; all well")
    save = dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Save)
    return dialog, save, visit.id


def _recorded(db, visit_id: int) -> int:
    with db.read() as s:
        return s.scalar(
            select(func.count(Event.id)).where(
                Event.visit_id == visit_id, Event.kind == EventKind.OUTCOME_RECORDED.value
            )
        )


def test_the_outcome_is_written_while_the_window_keeps_answering(window, qtbot, answers):
    dialog, save, visit_id = _outcome_dialog(window, qtbot)
    db = window.services.db
    accepted = QDialog.DialogCode.Accepted
    with slow(db) as on_gui_thread:
        beats = Beats(lambda: dialog.result() != accepted)
        answered = returns_while_held(db, lambda: save.click())
        during_click = list(on_gui_thread)
        assert dialog.banner.text() == "Saving…" and not save.isEnabled()
        dialog._save()  # pressed again while saving: nothing more is sent
        qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # nor does Esc close it meanwhile
        assert dialog.isVisible()
        qtbot.waitUntil(lambda: dialog.result() == accepted, timeout=30_000)
        beats.stop()
    assert answered and during_click == []
    assert beats.during >= 3
    assert _recorded(db, visit_id) == 1  # one save, one audit event
    assert window.services.visits.get(visit_id).status == "completed"


def test_an_outcome_the_database_does_not_take_keeps_what_was_typed(window, qtbot, answers):
    dialog, save, visit_id = _outcome_dialog(window, qtbot)
    db = window.services.db
    with failing_writes(db):
        save.click()
        saved(qtbot, dialog)
    text = dialog.banner.text()
    assert text.startswith("The database is not answering: the outcome was NOT recorded.")
    assert "What you typed is kept. Try again." in text
    assert dialog.isVisible() and save.isEnabled()
    assert dialog.summary.toPlainText() == "Saw mum and Ben; all well"
    assert _recorded(db, visit_id) == 0 and window.services.visits.get(visit_id).status == "returned"
