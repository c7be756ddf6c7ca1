from __future__ import annotations

import pytest

from hvdesk.models import VisitStatus
from hvdesk.services.outcomes import OutcomeService
from tests.ui.waiting import saved
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
