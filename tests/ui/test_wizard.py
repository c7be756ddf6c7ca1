"""The risk-assessment wizard, walked page by page as a user would: back and next keep what was
entered, leaving half-way keeps a draft, a 'when not to visit' yes blocks the visit."""

from __future__ import annotations

import pytest
import shiboken6
from PySide6.QtWidgets import QWizard
from sqlalchemy import select

from hvdesk.models import RiskAssessment, Visit, VisitStatus
from hvdesk.services.approval import ApprovalService
from hvdesk.services.households import HouseholdInput
from hvdesk.services.risk_assessment import RiskAssessmentService
from tests.ui.waiting import idle, returns_while_held, saved, settle
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
    settle(None)  # the form is read on the window's reader, then the wizard opens
    wizard = window.feature(ApprovalFeature).wizard
    assert wizard is not None and wizard.isVisible()
    return wizard


def closed(wizard) -> bool:
    """Closed once its save came back (and deleted on close, as the window opens it)."""
    return not shiboken6.isValid(wizard) or not wizard.isVisible()


def click(wizard, which) -> None:
    """Press, and wait for what the press saves (a draft, the assessment) to come back."""
    wizard.button(which).click()
    settle(None)


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
    assert closed(wizard)
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
    assert closed(wizard) and wizard.draft_saved
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
    again.reject()
    settle(None)  # Cancel with nothing new entered: no second draft, no message
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
    assert closed(wizard)
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
    settle(None)
    kept = RiskAssessmentService(window.services.db, window.services.clock).for_visit(new_visit.id)
    assert [h.hazard for h in kept.hazards][-1] == "Steep steps to the front door"


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


# --- saving off the GUI thread (ui/dialog_save.py) -------------------------------------------
def _ready_to_complete(window, visit):
    wizard = open_wizard(window, visit)
    while wizard.currentId() != PAGE_WNTV:
        click(wizard, NEXT)
    for no in wizard.pages[PAGE_WNTV].no.values():
        no.setChecked(True)
    while wizard.currentId() != PAGE_CHECKLIST:
        click(wizard, NEXT)
    for check in wizard.pages[PAGE_CHECKLIST].checks.values():
        check.setChecked(True)
    click(wizard, NEXT)
    return wizard


def _assessments(window, visit_id) -> list[str]:
    with window.services.db.read() as s:
        rows = s.scalars(select(RiskAssessment).where(RiskAssessment.visit_id == visit_id))
        return [r.status for r in rows]


def test_completing_is_written_while_the_window_keeps_answering(
    window, qtbot, answers, new_visit
):

    from tests.ui.test_tracker_writes import Beats, slow

    wizard = _ready_to_complete(window, new_visit)
    summary = wizard.pages[PAGE_SUMMARY]
    finish = wizard.button(QWizard.WizardButton.FinishButton)
    with slow(window.services.db) as on_gui_thread:
        beats = Beats(lambda: wizard.saving.busy)
        answered = returns_while_held(window.services.db, lambda: finish.click())
        during_click = list(on_gui_thread)
        assert summary.banner.text() == "Saving…" and summary.banner.isVisibleTo(wizard)
        assert not finish.isEnabled() and not wizard.button(BACK).isEnabled()
        wizard.accept()  # pressed again while saving: nothing more is sent
        saved(qtbot, wizard, timeout=30_000)
        beats.stop()
        settle(None)  # then 'Send for approval' (answered yes), on the write worker too
    assert answered and during_click == []
    assert beats.during >= 3
    written_on_gui = [q for q in on_gui_thread if q.lstrip().upper().startswith(("INSERT", "UPDATE"))]
    assert written_on_gui == []
    assert answers["told"][-1][0] == "Sent for approval"
    assert _assessments(window, new_visit.id) == ["complete"]
    assert window.services.visits.get(new_visit.id).status == VisitStatus.AWAITING_APPROVAL


def test_an_assessment_the_database_does_not_take_keeps_every_page(
    window, qtbot, answers, new_visit
):
    from tests.ui.test_tracker_writes import failing_writes

    wizard = _ready_to_complete(window, new_visit)
    wizard.pages[PAGE_SUMMARY].assessor.setText("Sam Office (deputy)")
    with failing_writes(window.services.db):
        click(wizard, QWizard.WizardButton.FinishButton)
    banner = wizard.pages[PAGE_SUMMARY].banner.text()
    assert banner.startswith("The database is not answering: the risk assessment was NOT")
    assert "What you typed is kept." in banner
    assert wizard.isVisible() and wizard.currentId() == PAGE_SUMMARY
    assert wizard.pages[PAGE_SUMMARY].assessor.text() == "Sam Office (deputy)"
    assert all(no.isChecked() for no in wizard.pages[PAGE_WNTV].no.values())
    assert wizard.button(QWizard.WizardButton.FinishButton).isEnabled()
    assert _assessments(window, new_visit.id) == []
    click(wizard, QWizard.WizardButton.FinishButton)  # the database is back: try again
    assert closed(wizard) and _assessments(window, new_visit.id) == ["complete"]


def test_a_draft_the_database_does_not_take_leaves_the_wizard_open(
    window, qtbot, answers, new_visit
):

    from tests.ui.test_tracker_writes import failing_writes, slow

    wizard = open_wizard(window, new_visit)
    wizard.pages[PAGE_INFORMATION].notes.setPlainText("CPOMS: nothing for staff")
    with failing_writes(window.services.db):
        click(wizard, QWizard.WizardButton.CustomButton1)  # 'Save draft and close'
    info = wizard.pages[PAGE_INFORMATION]
    assert wizard.isVisible() and "the risk assessment was NOT recorded" in info.banner.text()
    assert info.notes.toPlainText() == "CPOMS: nothing for staff"
    assert _assessments(window, new_visit.id) == [] and answers["told"] == []
    with slow(window.services.db) as on_gui_thread:
        # Cancel: the draft is saved first, on the write worker
        answered = returns_while_held(window.services.db, wizard.reject)
        during_click = list(on_gui_thread)
        assert info.banner.text() == "Saving…" and wizard.isVisible()
        wizard.reject()  # again while saving: one draft
        saved(qtbot, wizard, timeout=30_000)
    assert answered and during_click == []
    assert closed(wizard) and answers["told"][-1][0] == "Draft saved"
    assert _assessments(window, new_visit.id) == ["draft"]
