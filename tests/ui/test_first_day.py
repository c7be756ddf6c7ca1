"""A first-time office: booking flows into the risk assessment, then says where the visit went."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QWizard

from hvdesk.models import VisitStatus
from tests.ui.test_booking_dialog import NOON, booked_at, fill
from ui.wizard.risk_wizard import PAGE_CHECKLIST, PAGE_INFORMATION, PAGE_WNTV

pytestmark = pytest.mark.ui


def test_book_and_assess_now_then_sent_to_the_named_approver(window, qtbot, services, answers):
    dialog = window.booking_controller.new_visit(window, start=NOON)
    assert dialog.assess_button.isDefault()  # Enter takes the usual path
    fill(dialog, qtbot)
    dialog.assess_button.click()
    visit = booked_at(services, NOON)
    assert visit.status == VisitStatus.DRAFT  # not sent without its assessment

    wizard = window.approval_feature.wizard
    assert wizard is not None and wizard.isVisible() and wizard.form.visit_id == visit.id
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

    assert answers["asked"][-1][0] == "Send for approval"  # answered yes
    title, text, _kind = answers["told"][-1]
    assert title == "Sent for approval"
    assert "sent to Linda Francis (Headteacher) for approval" in text
    assert services.visits.get(visit.id).status == VisitStatus.AWAITING_APPROVAL
