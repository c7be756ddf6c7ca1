"""The risk-assessment wizard, walked page by page as a user would: back and next keep what was
entered, leaving half-way keeps a draft, a 'when not to visit' yes blocks the visit."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QWizard
from sqlalchemy import select

from hvdesk.models import RiskAssessment, Visit, VisitStatus
from hvdesk.services.approval import ApprovalService
from hvdesk.services.households import HouseholdInput
from hvdesk.services.risk_assessment import RiskAssessmentService
from tests.ui.waiting import idle
from ui.panels.approvals import ApprovalFeature
from ui.wizard.risk_wizard import (
    PAGE_CHECKLIST,
    PAGE_HAZARDS,
    PAGE_INFORMATION,
    PAGE_RISKS,
    PAGE_SUMMARY,
    PAGE_WNTV,
)

pytestmark = pytest.mark.ui
NEXT, BACK = QWizard.WizardButton.NextButton, QWizard.WizardButton.BackButton


@pytest.fixture
def new_visit(window, make_visit, office_actor):
    """A draft visit to a household never assessed before, with a dog on record."""
    homes = window.services.households
    home = homes.create(
        office_actor, HouseholdInput(name="Walsh family", address="4 Elm Close", postcode="B17 9NS")
    )
    homes.add_risk(office_actor, home.id, "animals", "Large dog, kept in the garden when asked")
    staff = window.services.staff.list()
    visit_id = make_visit(household_id=home.id, lead_id=staff[2].id, companion_id=staff[3].id)
    return window.services.visits.get(visit_id)


def open_wizard(window, visit):
    action = next(a for a in window.visit_actions.for_visit(visit) if a.label == "Risk assessment…")
    assert action.group == "approval"
    action.run(visit, window)
    wizard = window.feature(ApprovalFeature).wizard
    assert wizard is not None and wizard.isVisible()
    return wizard


def click(wizard, which) -> None:
    wizard.button(which).click()


def test_walk_every_page_back_and_next_keep_entries(window, qtbot, answers, new_visit):
    wizard = open_wizard(window, new_visit)
    assert wizard.currentId() == PAGE_INFORMATION
    info = wizard.pages[PAGE_INFORMATION]
    assert not info.review.isVisible()  # never assessed: no 'what has changed'
    info.checks["cpoms_checked"].setChecked(True)
    info.notes.setPlainText("CPOMS: nothing for staff")
    click(wizard, NEXT)

    risks = wizard.pages[PAGE_RISKS]
    assert wizard.currentId() == PAGE_RISKS
    assert risks.present["animals"].isChecked()  # from the household's known risks
    assert "Large dog" in risks.notes["animals"].text()
    risks.present["aggression"].setChecked(True)
    qtbot.keyClicks(risks.notes["aggression"], "Uncle shouted at staff in 2025")
    click(wizard, NEXT)

    wntv = wizard.pages[PAGE_WNTV]
    assert wizard.currentId() == PAGE_WNTV
    assert not wizard.button(NEXT).isEnabled() and wntv.hint.isVisible()  # must answer
    for no in wntv.no.values():
        no.setChecked(True)
    assert wizard.button(NEXT).isEnabled() and not wntv.stop.isVisible()
    click(wizard, NEXT)

    hazards = wizard.pages[PAGE_HAZARDS]
    assert wizard.currentId() == PAGE_HAZARDS and hazards.table.rowCount() == 5
    hazards.select(4)  # dog attack
    hazards.likelihood.setCurrentIndex(hazards.likelihood.findData(2))
    assert hazards.table.item(4, 4).text() == "✖ High"  # major injury x possible
    hazards.severity.setCurrentIndex(hazards.severity.findData(2))
    assert hazards.table.item(4, 4).text() == "▲ Medium" and "Medium" in hazards.level.text()

    # back to the start: everything entered is still there
    for expected in (PAGE_WNTV, PAGE_RISKS, PAGE_INFORMATION):
        click(wizard, BACK)
        assert wizard.currentId() == expected
    assert info.checks["cpoms_checked"].isChecked()
    assert info.notes.toPlainText() == "CPOMS: nothing for staff"
    for expected in (PAGE_RISKS, PAGE_WNTV, PAGE_HAZARDS, PAGE_CHECKLIST):
        click(wizard, NEXT)
        assert wizard.currentId() == expected
    assert risks.notes["aggression"].text() == "Uncle shouted at staff in 2025"
    assert all(no.isChecked() for no in wntv.no.values())
    assert wizard.form.hazards[4].severity == 2 and wizard.form.hazards[4].likelihood == 2

    checklist = wizard.pages[PAGE_CHECKLIST]
    for check in checklist.checks.values():
        check.setChecked(True)
    click(wizard, NEXT)
    summary = wizard.pages[PAGE_SUMMARY]
    assert wizard.currentId() == PAGE_SUMMARY
    assert summary.level.text() == "Overall risk: ▲ Medium"
    assert "Aggression" in summary.reasons.text() and not summary.blocked.isVisible()
    assert summary.assessor.text() == "Sam Office"

    click(wizard, QWizard.WizardButton.FinishButton)  # 'Complete assessment'
    assert not wizard.isVisible()
    assert answers["asked"][-1][0] == "Send for approval"  # answered yes
    visit = window.services.visits.get(new_visit.id)
    assert visit.status == VisitStatus.AWAITING_APPROVAL
    with window.services.db.read() as s:
        row = s.get(RiskAssessment, visit.risk_assessment_id)
        assert row.status == "complete" and row.overall_level == "medium"
        assert row.information["notes"] == "CPOMS: nothing for staff"
    queue = window.feature(ApprovalFeature).panel
    queue.refresh()
    idle(window, None)  # read on the reader worker
    assert queue.select_visit(new_visit.id)


def test_leaving_half_way_keeps_a_draft(window, qtbot, answers, new_visit):
    wizard = open_wizard(window, new_visit)
    wizard.pages[PAGE_INFORMATION].checks["mis_checked"].setChecked(True)
    click(wizard, NEXT)
    click(wizard, NEXT)
    wizard.pages[PAGE_WNTV].no["high_risk"].setChecked(True)
    click(wizard, QWizard.WizardButton.CustomButton1)  # 'Save draft and close'
    assert not wizard.isVisible() and wizard.draft_saved
    assert answers["told"][-1][0] == "Draft saved"
    assert window.services.visits.get(new_visit.id).risk_assessment_id is None

    again = open_wizard(window, new_visit)
    assert again is not wizard and again.form.assessment_id == wizard.form.assessment_id
    assert again.pages[PAGE_INFORMATION].checks["mis_checked"].isChecked()
    click(again, NEXT)
    click(again, NEXT)
    wntv = again.pages[PAGE_WNTV]
    assert wntv.no["high_risk"].isChecked()
    assert (
        not wntv.yes["recent_violence"].isChecked() and not wntv.no["recent_violence"].isChecked()
    )
    again.reject()  # Cancel with nothing new entered: no second draft, no message
    assert answers["told"][-1][0] == "Draft saved" and len(answers["told"]) == 1
    with window.services.db.read() as s:
        drafts = s.scalars(select(RiskAssessment).where(RiskAssessment.visit_id == new_visit.id))
        assert [d.status for d in drafts] == ["draft"]


def test_when_not_to_visit_yes_blocks_the_visit(window, qtbot, answers, new_visit):
    wizard = open_wizard(window, new_visit)
    click(wizard, NEXT)
    click(wizard, NEXT)
    wntv = wizard.pages[PAGE_WNTV]
    wntv.no["high_risk"].setChecked(True)
    wntv.yes["recent_violence"].setChecked(True)
    wntv.no["aggression_intoxication"].setChecked(True)
    assert wntv.stop.isVisible() and "DO NOT VISIT" in wntv.stop.text()
    assert "perpetrator" in wntv.stop.text()
    click(wizard, NEXT)
    click(wizard, NEXT)
    click(wizard, NEXT)
    summary = wizard.pages[PAGE_SUMMARY]
    assert summary.level.text() == "Overall risk: ✖ High"
    assert summary.blocked.isVisible() and "To unblock" in summary.blocked.text()
    click(wizard, QWizard.WizardButton.FinishButton)
    title, text, kind = answers["told"][-1]
    assert (title, kind) == ("Visit blocked", "warning") and "perpetrator" in text
    assert answers["asked"] == []  # a blocked visit is not offered for approval
    check = ApprovalService(window.services.db, window.services.clock).check(new_visit.id)
    assert [f.code for f in check.blocking] == ["assessment_blocked"]

    # only changing the facts unblocks it: the wizard starts from the blocked assessment
    review = open_wizard(window, new_visit)
    info = review.pages[PAGE_INFORMATION]
    assert (
        info.review.isVisible() and "assessed 24 Nov 2026 by Sam Office" in info.review_label.text()
    )
    info.changes.setPlainText("Police confirm the perpetrator has moved away")
    click(review, NEXT)
    click(review, NEXT)
    assert review.pages[PAGE_WNTV].yes["recent_violence"].isChecked()
    review.pages[PAGE_WNTV].no["recent_violence"].setChecked(True)
    for _ in range(3):
        click(review, NEXT)
    assert not review.pages[PAGE_SUMMARY].blocked.isVisible()
    click(review, QWizard.WizardButton.FinishButton)
    assert (
        ApprovalService(window.services.db, window.services.clock).check(new_visit.id).can_approve
    )


def test_problems_on_finishing_go_back_to_the_page(window, qtbot, answers, new_visit):
    wizard = open_wizard(window, new_visit)
    click(wizard, NEXT)
    click(wizard, NEXT)
    for no in wizard.pages[PAGE_WNTV].no.values():
        no.setChecked(True)
    click(wizard, NEXT)
    hazards = wizard.pages[PAGE_HAZARDS]
    hazards.select(1)
    hazards.controls.setPlainText("")
    click(wizard, NEXT)
    click(wizard, NEXT)
    click(wizard, QWizard.WizardButton.FinishButton)
    assert wizard.isVisible() and wizard.currentId() == PAGE_HAZARDS
    assert hazards.current_row() == 1 and hazards.banner.isVisible()
    assert "Hazard 2 controls" in hazards.banner.text()
    assert "Not completed yet" in hazards.banner.text()
    assert hazards.controls.accessibleDescription().startswith("Error:")
    hazards.controls.setPlainText("Park on the main road; phone in on arrival")
    click(wizard, NEXT)
    click(wizard, NEXT)
    click(wizard, QWizard.WizardButton.FinishButton)
    assert not wizard.isVisible()
    with window.services.db.read() as s:
        assert s.get(Visit, new_visit.id).risk_assessment_id is not None


def test_removing_and_adding_hazards(window, qtbot, answers, new_visit):
    wizard = open_wizard(window, new_visit)
    click(wizard, NEXT)
    click(wizard, NEXT)
    click(wizard, NEXT)
    assert wizard.currentId() == PAGE_WNTV  # Next waits for every answer
    for no in wizard.pages[PAGE_WNTV].no.values():
        no.setChecked(True)
    click(wizard, NEXT)
    hazards = wizard.pages[PAGE_HAZARDS]
    assert wizard.currentId() == PAGE_HAZARDS
    hazards.select(0)
    hazards._remove()
    assert "Aggressive" in answers["asked"][-1][1]
    assert hazards.table.rowCount() == 4 and len(wizard.form.hazards) == 4
    hazards._add()
    assert hazards.current_row() == 4 and hazards.editor.title() == "Hazard 5"
    qtbot.keyClicks(hazards.hazard, "Steep steps to the front door")
    assert hazards.table.item(4, 0).text() == "Steep steps to the front door"
    click(wizard, BACK)
    click(wizard, NEXT)
    assert hazards.table.rowCount() == 5 and wizard.form.hazards[4].hazard.startswith("Steep")
    wizard.reject()
    saved = RiskAssessmentService(window.services.db, window.services.clock).for_visit(new_visit.id)
    assert [h.hazard for h in saved.hazards][-1] == "Steep steps to the front door"


def test_accessible_names_on_every_control(window, qtbot, new_visit):
    from PySide6.QtWidgets import QAbstractButton, QLineEdit, QPlainTextEdit, QTableWidget

    wizard = open_wizard(window, new_visit)
    kinds = (QAbstractButton, QLineEdit, QPlainTextEdit, QTableWidget)
    missing = [
        f"{type(w).__name__} {getattr(w, 'text', lambda: '')()}"
        for page in wizard.pages
        for kind in kinds
        for w in page.findChildren(kind)
        if type(w) is not QAbstractButton  # the table's corner button
        and not w.accessibleName()
        and not getattr(w, "text", lambda: "")()
    ]
    assert missing == []
    wizard.reject()
