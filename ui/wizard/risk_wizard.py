"""The risk-assessment wizard: six pages over one AssessmentForm (hvdesk.rules.risk).

Thin by design. Every widget writes straight into the form as it changes, so Back and Next keep
what was entered; the service validates, saves drafts and completes. Leaving half-way (Cancel, the
window's close button, Escape or 'Save draft and close') keeps a draft to resume later.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from hvdesk.errors import HvdeskError, ValidationError
from hvdesk.rules.risk import (
    ASSESSED_RISKS,
    INFORMATION,
    LIKELIHOOD,
    PERSONAL_SAFETY_CHECKLIST,
    SEVERITY,
    WHEN_NOT_TO_VISIT,
    WHEN_NOT_TO_VISIT_STATEMENTS,
    AssessmentForm,
    HazardRow,
    summarise,
)
from hvdesk.services.base import Actor
from hvdesk.services.risk_assessment import (
    F_ASSESSOR,
    F_CHANGES,
    CompletedAssessment,
    RiskAssessmentService,
    risk_field,
    wntv_field,
)
from ui import dialogs
from ui.a11y import ValueLabel, ink, tab_leaves
from ui.dialog_save import DialogSave
from ui.forms import clear_errors, error_banner, show_errors
from ui.wizard.levels import LEVEL_STYLE, level_badge, level_css
from ui.worker import Worker

PAGE_INFORMATION, PAGE_RISKS, PAGE_WNTV, PAGE_HAZARDS, PAGE_CHECKLIST, PAGE_SUMMARY = range(6)
BLOCK_CSS = "color: #611a15; background: #fdecea; border: 1px solid #b00020; padding: 6px;"
REVIEW_CSS = "background: #fff8e1; border: 1px solid #8a5a00; padding: 6px;"
WIZARD_BUTTONS = (
    QWizard.WizardButton.BackButton,
    QWizard.WizardButton.NextButton,
    QWizard.WizardButton.FinishButton,
    QWizard.WizardButton.CancelButton,
    QWizard.WizardButton.CustomButton1,
)


def _wrap(text: str, field: str = "") -> QLabel:
    """A wrapping label; with a field, one that carries a value a screen reader must read."""
    label = ValueLabel(field, text) if field else QLabel(text)
    label.setWordWrap(True)
    return label


class _Page(QWizardPage):
    """A page bound to the shared form. `touched` tells the wizard something was entered."""

    def __init__(self, form: AssessmentForm, touched: Callable[[], None], title: str, sub: str):
        super().__init__()
        self.form, self.touched = form, touched
        self.setTitle(title)
        self.setSubTitle(sub)
        self.banner = error_banner()
        self.fields: dict[str, QWidget] = {}
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.banner)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # no silent Tab stop: its fields take it
        self.body = QWidget()
        self.layout_ = QVBoxLayout(self.body)
        scroll.setWidget(self.body)
        outer.addWidget(scroll)

    def clear_banner(self) -> None:
        clear_errors(self.banner, self.fields)


class InformationPage(_Page):
    def __init__(self, form: AssessmentForm, touched: Callable[[], None]) -> None:
        super().__init__(
            form,
            touched,
            "1  Information gathered",
            "Gather all possible information that may alert you to risk: check CPOMS and the MIS, "
            "and contact other services involved with the family.",
        )
        self.review = QGroupBox("Starting from the last assessment")
        self.review.setStyleSheet(f"QGroupBox {{ {REVIEW_CSS} }}")
        review_layout = QVBoxLayout(self.review)
        self.review_label = _wrap("")
        self.changes = QPlainTextEdit()
        self.changes.setTabChangesFocus(True)  # Tab moves on; the text takes no tab characters
        self.changes.setAccessibleName(F_CHANGES)
        self.changes.setPlaceholderText(
            "e.g. Uncle now living at the address; dog rehomed. Or: Nothing has changed."
        )
        self.changes.setFixedHeight(70)
        self.changes.textChanged.connect(self._changes_edited)
        review_layout.addWidget(self.review_label)
        review_layout.addWidget(QLabel("What has changed since then?"))
        review_layout.addWidget(self.changes)
        self.layout_.addWidget(self.review)
        self.checks: dict[str, QCheckBox] = {}
        box = QGroupBox("Before the visit")
        box_layout = QVBoxLayout(box)
        for key, text in INFORMATION.items():
            check = QCheckBox(text)
            check.setAccessibleName(text)
            check.toggled.connect(lambda on, k=key: self._checked(k, on))
            box_layout.addWidget(check)
            self.checks[key] = check
        self.layout_.addWidget(box)
        self.notes = QPlainTextEdit()
        self.notes.setTabChangesFocus(True)  # Tab moves on; the text takes no tab characters
        self.notes.setAccessibleName("Information notes")
        self.notes.setPlaceholderText("What the records and other professionals said")
        self.notes.setFixedHeight(80)
        self.notes.textChanged.connect(self._notes_edited)
        self.layout_.addWidget(QLabel("Notes:"))
        self.layout_.addWidget(self.notes)
        self.layout_.addStretch(1)
        self.fields = {F_CHANGES: self.changes, "Information notes": self.notes}

    def initializePage(self) -> None:
        self.review.setVisible(self.form.is_review)
        self.review_label.setText(
            f"This household has been assessed before ({self.form.based_on_text}). Every page "
            "starts from that assessment: check each one, change what is different, and say "
            "here what has changed. Risks recorded since then are marked NEW."
        )
        if self.changes.toPlainText() != self.form.changes_note:
            self.changes.setPlainText(self.form.changes_note)
        for key, check in self.checks.items():
            check.setChecked(bool(self.form.information.get(key)))
        if self.notes.toPlainText() != self.form.information_notes:
            self.notes.setPlainText(self.form.information_notes)

    def _checked(self, key: str, on: bool) -> None:
        if self.form.information.get(key) != on:
            self.form.information[key] = on
            self.touched()

    def _changes_edited(self) -> None:
        self.form.changes_note = self.changes.toPlainText()
        self.touched()

    def _notes_edited(self) -> None:
        self.form.information_notes = self.notes.toPlainText()
        self.touched()


class KnownRisksPage(_Page):
    def __init__(self, form: AssessmentForm, touched: Callable[[], None]) -> None:
        super().__init__(
            form,
            touched,
            "2  Known risks at the household",
            "Tick each risk known at this address and say what is known. Risks recorded on the "
            "household are already ticked.",
        )
        grid = QGridLayout()
        grid.setColumnStretch(1, 1)
        self.present: dict[str, QCheckBox] = {}
        self.notes: dict[str, QLineEdit] = {}
        self.new_labels: dict[str, QLabel] = {}
        for row, (key, text) in enumerate(ASSESSED_RISKS.items()):
            check = QCheckBox(text.split(":")[0])
            check.setToolTip(text)
            check.setAccessibleName(text)
            note = QLineEdit()
            note.setAccessibleName(f"What is known: {text.split(':')[0]}")
            note.setPlaceholderText("What is known: who, what, when")
            new = QLabel("★ NEW")
            new.setStyleSheet(f"color: {ink('#8a5a00')}; font-weight: bold;")
            new.setAccessibleName("New since the last assessment")
            check.toggled.connect(lambda on, k=key: self._toggled(k, on))
            note.textEdited.connect(lambda text_, k=key: self._noted(k, text_))
            grid.addWidget(check, row, 0)
            grid.addWidget(note, row, 1)
            grid.addWidget(new, row, 2)
            self.present[key], self.notes[key], self.new_labels[key] = check, note, new
            self.fields[risk_field(key)] = note
        self.layout_.addLayout(grid)
        self.other = QPlainTextEdit()
        self.other.setTabChangesFocus(True)  # Tab moves on; the text takes no tab characters
        self.other.setAccessibleName("Other risks")
        self.other.setPlaceholderText("Anything else known at the address (other services, etc.)")
        self.other.setFixedHeight(90)
        self.other.textChanged.connect(self._other_edited)
        self.layout_.addWidget(QLabel("Other known risks or services involved:"))
        self.layout_.addWidget(self.other)
        self.layout_.addStretch(1)
        self.fields["Other risks"] = self.other

    def initializePage(self) -> None:
        for key, answer in self.form.known_risks.items():
            if key not in self.present:
                continue
            self.present[key].setChecked(answer.present)
            if self.notes[key].text() != answer.note:
                self.notes[key].setText(answer.note)
            self.notes[key].setEnabled(answer.present)
            self.new_labels[key].setVisible(answer.new)
        if self.other.toPlainText() != self.form.other_risks:
            self.other.setPlainText(self.form.other_risks)

    def _toggled(self, key: str, on: bool) -> None:
        self.notes[key].setEnabled(on)
        if self.form.known_risks[key].present != on:
            self.form.known_risks[key].present = on
            self.touched()

    def _noted(self, key: str, text: str) -> None:
        self.form.known_risks[key].note = text
        self.touched()

    def _other_edited(self) -> None:
        self.form.other_risks = self.other.toPlainText()
        self.touched()


class WhenNotToVisitPage(_Page):
    """Hampton's questions. Each must be answered; any yes blocks the visit."""

    def __init__(self, form: AssessmentForm, touched: Callable[[], None]) -> None:
        super().__init__(
            form,
            touched,
            "3  When not to visit",
            "Staff should not visit a home if any of these is true. Answer each one; a yes blocks "
            "the visit until the facts change.",
        )
        self.groups: dict[str, QButtonGroup] = {}
        self.yes: dict[str, QRadioButton] = {}
        self.no: dict[str, QRadioButton] = {}
        for i, (key, question) in enumerate(WHEN_NOT_TO_VISIT.items(), start=1):
            box = QGroupBox(f"Question {i}")
            row = QHBoxLayout(box)
            label = _wrap(question)
            yes, no = QRadioButton("Yes"), QRadioButton("No")
            yes.setAccessibleName(f"Question {i}: yes")
            no.setAccessibleName(f"Question {i}: no")
            yes.setAccessibleDescription(question)
            no.setAccessibleDescription(question)
            group = QButtonGroup(self)
            group.addButton(yes)
            group.addButton(no)
            yes.toggled.connect(lambda on, k=key: self._answer(k, True) if on else None)
            no.toggled.connect(lambda on, k=key: self._answer(k, False) if on else None)
            row.addWidget(label, 1)
            row.addWidget(yes)
            row.addWidget(no)
            self.layout_.addWidget(box)
            self.groups[key], self.yes[key], self.no[key] = group, yes, no
            self.fields[wntv_field(i)] = box
        self.stop = _wrap("")
        self.stop.setStyleSheet(BLOCK_CSS)
        self.stop.setAccessibleName("Do not visit")
        self.hint = QLabel("Answer every question to continue.")
        self.layout_.addWidget(self.stop)
        self.layout_.addWidget(self.hint)
        self.layout_.addStretch(1)

    def initializePage(self) -> None:
        for key, answer in self.form.when_not_to_visit.items():
            if answer is None:
                self.groups[key].setExclusive(False)
                self.yes[key].setChecked(False)
                self.no[key].setChecked(False)
                self.groups[key].setExclusive(True)
            else:
                (self.yes if answer else self.no)[key].setChecked(True)
        self._show_stop()

    def _answer(self, key: str, value: bool) -> None:
        if self.form.when_not_to_visit.get(key) is not value:
            self.form.when_not_to_visit[key] = value
            self.touched()
        self._show_stop()
        self.completeChanged.emit()

    def _show_stop(self) -> None:
        yes = [k for k, a in self.form.when_not_to_visit.items() if a]
        self.stop.setVisible(bool(yes))
        self.stop.setText(
            "✖ DO NOT VISIT\n"
            + "\n".join(f"• {WHEN_NOT_TO_VISIT_STATEMENTS[k]}" for k in yes)
            + "\nYou can still finish the assessment: it records why the visit is blocked."
        )
        self.hint.setVisible(not self.isComplete())

    def isComplete(self) -> bool:
        return all(a is not None for a in self.form.when_not_to_visit.values())


class HazardsPage(_Page):
    """The St Hugh's hazards table: pick a row, edit it below; the risk level is computed."""

    HEADERS = ["Hazard", "People at risk", "Severity of harm", "Likelihood", "Risk level"]

    def __init__(self, form: AssessmentForm, touched: Callable[[], None]) -> None:
        super().__init__(
            form,
            touched,
            "4  Hazards",
            "Rate each hazard: severity of harm x likelihood gives the risk level. Say how each "
            "risk is controlled. Five hazards common to home visits are filled in to start from.",
        )
        self.table = tab_leaves(QTableWidget(0, len(self.HEADERS)))
        self.table.setHorizontalHeaderLabels(self.HEADERS)
        self.table.setAccessibleName("Hazards table")
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in range(1, len(self.HEADERS)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setMinimumHeight(170)
        self.table.itemSelectionChanged.connect(self._selected)
        self.add_button = QPushButton("Add hazard")
        self.add_button.setAccessibleName("Add hazard")
        self.add_button.clicked.connect(self._add)
        self.remove_button = QPushButton("Remove hazard")
        self.remove_button.setAccessibleName("Remove hazard")
        self.remove_button.clicked.connect(self._remove)
        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)

        self.editor = QGroupBox("Selected hazard")
        form_layout = QFormLayout(self.editor)
        self.hazard = QLineEdit()
        self.people = QLineEdit()
        self.severity = QComboBox()
        for value, text in SEVERITY.items():
            self.severity.addItem(f"{value} – {text}", value)
        self.harm = QLineEdit()
        self.harm.setPlaceholderText("e.g. Major injury may occur")
        self.likelihood = QComboBox()
        for value, text in LIKELIHOOD.items():
            self.likelihood.addItem(f"{value} – {text}", value)
        self.level = ValueLabel("Risk level")
        self.controls = QPlainTextEdit()
        self.controls.setTabChangesFocus(True)  # Tab moves on; the text takes no tab characters
        self.controls.setFixedHeight(80)
        self.controls.setPlaceholderText(
            "How the risk is reduced, e.g. 2 person visit; take a phone"
        )
        for label, widget in (
            ("Hazard", self.hazard),
            ("People at risk", self.people),
            ("Severity of harm", self.severity),
            ("What harm", self.harm),
            ("Likelihood", self.likelihood),
            ("Risk level", self.level),
            ("Controls", self.controls),
        ):
            if widget is not self.level:
                widget.setAccessibleName(label)
            form_layout.addRow(f"{label}:", widget)
        self.hazard.textEdited.connect(lambda t: self._edit("hazard", t))
        self.people.textEdited.connect(lambda t: self._edit("people", t))
        self.harm.textEdited.connect(lambda t: self._edit("severity_text", t))
        self.severity.currentIndexChanged.connect(
            lambda _i: self._edit("severity", self.severity.currentData())
        )
        self.likelihood.currentIndexChanged.connect(
            lambda _i: self._edit("likelihood", self.likelihood.currentData())
        )
        self.controls.textChanged.connect(self._controls_edited)
        self.layout_.addWidget(self.table)
        self.layout_.addLayout(buttons)
        self.layout_.addWidget(self.editor)
        self._loading = False

    # binding
    def initializePage(self) -> None:
        self._fill()
        if self.form.hazards and not self.table.selectedItems():
            self.table.selectRow(0)
        self._selected()

    def _fill(self) -> None:
        row_now = self.current_row()
        self.table.setRowCount(len(self.form.hazards))
        for row in range(len(self.form.hazards)):
            self._fill_row(row)
        if row_now is not None and row_now < self.table.rowCount():
            self.table.selectRow(row_now)

    def _fill_row(self, row: int) -> None:
        hz = self.form.hazards[row]
        values = [
            hz.hazard or "(describe the hazard)",
            hz.people,
            f"{hz.severity} – {SEVERITY.get(hz.severity, '?')}",
            f"{hz.likelihood} – {LIKELIHOOD.get(hz.likelihood, '?')}",
            level_badge(hz.level),
        ]
        for col, text in enumerate(values):
            item = QTableWidgetItem(text)
            item.setToolTip(
                {0: f"Controls: {hz.controls}", 2: hz.severity_text or text}.get(col, text)
            )
            if col == 4:
                _icon, _word, fg, bg = LEVEL_STYLE[hz.level]
                item.setForeground(QBrush(QColor(fg)))
                item.setBackground(QBrush(QColor(bg)))
            self.table.setItem(row, col, item)

    def current_row(self) -> int | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() else []
        return rows[0].row() if rows else None

    def select(self, row: int) -> None:
        if 0 <= row < self.table.rowCount():
            self.table.selectRow(row)

    def _selected(self) -> None:
        row = self.current_row()
        self.editor.setEnabled(row is not None)
        self.remove_button.setEnabled(row is not None)
        if row is None:
            self.editor.setTitle("Selected hazard: choose a row above")
            return
        hz = self.form.hazards[row]
        self._loading = True
        self.editor.setTitle(f"Hazard {row + 1}")
        self.hazard.setText(hz.hazard)
        self.people.setText(hz.people)
        self.severity.setCurrentIndex(max(0, self.severity.findData(hz.severity)))
        self.likelihood.setCurrentIndex(max(0, self.likelihood.findData(hz.likelihood)))
        self.harm.setText(hz.severity_text)
        self.controls.setPlainText(hz.controls)
        self._loading = False
        self._show_level(hz)
        n = row + 1
        self.fields = {
            f"Hazard {n}": self.hazard,
            f"Hazard {n} rating": self.likelihood,
            f"Hazard {n} controls": self.controls,
        }

    def _show_level(self, hz: HazardRow) -> None:
        self.level.setText(
            f"{level_badge(hz.level)}   (severity {hz.severity} x likelihood {hz.likelihood})"
        )
        self.level.setStyleSheet(level_css(hz.level))

    def _edit(self, attr: str, value: object) -> None:
        row = self.current_row()
        if row is None or self._loading:
            return
        hz = self.form.hazards[row]
        setattr(hz, attr, value)
        self._fill_row(row)
        self._show_level(hz)
        self.touched()

    def _controls_edited(self) -> None:
        if not self._loading:
            self._edit("controls", self.controls.toPlainText())

    def _add(self) -> None:
        self.form.hazards.append(HazardRow())
        self._fill()
        self.table.selectRow(len(self.form.hazards) - 1)
        self.hazard.setFocus()
        self.touched()

    def _remove(self) -> None:
        row = self.current_row()
        if row is None:
            return
        name = self.form.hazards[row].hazard or "this empty row"
        if not dialogs.confirm(self, "Remove hazard", f"Remove '{name}' from the table?"):
            return
        del self.form.hazards[row]
        self.table.clearSelection()
        self._fill()
        self.select(min(row, len(self.form.hazards) - 1))
        self._selected()
        self.touched()


class ChecklistPage(_Page):
    def __init__(self, form: AssessmentForm, touched: Callable[[], None]) -> None:
        super().__init__(
            form,
            touched,
            "5  Personal safety checklist",
            "Questions that help you minimise risk and keep yourself safe. Tick each one you can "
            "answer yes to; anything not ticked is shown to the approver.",
        )
        self.checks: dict[str, QCheckBox] = {}
        for key, question in PERSONAL_SAFETY_CHECKLIST.items():
            check = QCheckBox(question)
            check.setAccessibleName(question)
            check.toggled.connect(lambda on, k=key: self._checked(k, on))
            self.layout_.addWidget(check)
            self.checks[key] = check
        self.layout_.addStretch(1)

    def initializePage(self) -> None:
        for key, check in self.checks.items():
            check.setChecked(bool(self.form.checklist.get(key)))

    def _checked(self, key: str, on: bool) -> None:
        if self.form.checklist.get(key) != on:
            self.form.checklist[key] = on
            self.touched()


class SummaryPage(_Page):
    def __init__(self, form: AssessmentForm, touched: Callable[[], None]) -> None:
        super().__init__(
            form,
            touched,
            "6  Summary and overall level",
            "Check the overall level. Completing the assessment links it to the visit for the "
            "approver; a blocked visit cannot be approved until the facts change.",
        )
        self.level = ValueLabel("Overall risk level")
        font = self.level.font()
        font.setPointSize(font.pointSize() + 5)
        font.setBold(True)
        self.level.setFont(font)
        self.reasons = _wrap("")
        self.blocked = _wrap("", "Why this visit is blocked")
        self.blocked.setStyleSheet(BLOCK_CSS)
        self.warnings = _wrap("", "Warnings")
        self.assessor = QLineEdit()
        self.assessor.setAccessibleName(F_ASSESSOR)
        self.assessor.textEdited.connect(self._assessor_edited)
        assessor_row = QFormLayout()
        assessor_row.addRow("Assessed by:", self.assessor)
        row = QHBoxLayout()
        row.addWidget(self.level)
        row.addStretch(1)
        self.layout_.addLayout(row)
        self.layout_.addWidget(self.reasons)
        self.layout_.addWidget(self.blocked)
        self.layout_.addWidget(self.warnings)
        self.layout_.addLayout(assessor_row)
        self.layout_.addStretch(1)
        self.fields = {F_ASSESSOR: self.assessor}

    def initializePage(self) -> None:
        summary = summarise(self.form)
        self.level.setText(f"Overall risk: {level_badge(summary.level)}")
        self.level.setStyleSheet(level_css(summary.level))
        self.reasons.setText("Why: " + "; ".join(summary.level_reasons) + ".")
        self.blocked.setVisible(summary.blocked)
        self.blocked.setText(
            "✖ THIS VISIT IS BLOCKED\n"
            + "\n".join(f"• {b.reason}\n   To unblock: {b.fix}" for b in summary.blockers)
        )
        self.warnings.setVisible(bool(summary.warnings))
        self.warnings.setText(
            "⚠ For the approver to see:\n" + "\n".join(f"• {w}" for w in summary.warnings)
        )
        if self.assessor.text() != self.form.assessor_name:
            self.assessor.setText(self.form.assessor_name)

    def _assessor_edited(self, text: str) -> None:
        self.form.assessor_name = text
        self.touched()


class RiskAssessmentWizard(QWizard):
    """Emits `completed` with the CompletedAssessment once the service has recorded it."""

    completed = Signal(object)

    def __init__(
        self,
        service: RiskAssessmentService,
        actor: Actor,
        form: AssessmentForm,
        parent: QWidget | None = None,
        writer: Worker | None = None,
    ) -> None:
        super().__init__(parent)
        self.service, self.actor, self.form = service, actor, form
        self.result_: CompletedAssessment | None = None
        self.draft_saved = False
        self._dirty = False
        self.setWindowTitle(f"Risk assessment — {form.household_name}")
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.setOption(QWizard.WizardOption.HaveCustomButton1, True)
        self.setButtonText(QWizard.WizardButton.CustomButton1, "Save draft and close")
        self.setButtonText(QWizard.WizardButton.FinishButton, "Complete assessment")
        self.customButtonClicked.connect(self._custom_button)
        self.pages: list[_Page] = [
            InformationPage(form, self._touch),
            KnownRisksPage(form, self._touch),
            WhenNotToVisitPage(form, self._touch),
            HazardsPage(form, self._touch),
            ChecklistPage(form, self._touch),
            SummaryPage(form, self._touch),
        ]
        for index, page in enumerate(self.pages):
            self.setPage(index, page)
        self.context = ValueLabel(
            "Visit being assessed",
            f"{form.household_name} — {form.visit_text}"
            if form.visit_text
            else form.household_name,
        )
        self.resize(1000, 680)
        self.setMinimumSize(820, 560)
        for name, button in (
            ("Back", QWizard.WizardButton.BackButton),
            ("Next", QWizard.WizardButton.NextButton),
            ("Complete assessment", QWizard.WizardButton.FinishButton),
            ("Cancel and keep a draft", QWizard.WizardButton.CancelButton),
            ("Save draft and close", QWizard.WizardButton.CustomButton1),
        ):
            self.button(button).setAccessibleName(name)
        self.setButtonText(QWizard.WizardButton.CancelButton, "Cancel (keeps a draft)")
        self.setSubTitleFormat(Qt.TextFormat.PlainText)
        for page in self.pages:
            page.setSubTitle(f"{self.context.text()}\n{page.subTitle()}")
        self.saving = DialogSave(
            self,
            self.pages[0].banner,
            self.pages[0].fields,
            "risk assessment",
            writer,
            buttons=[self.button(b) for b in WIZARD_BUTTONS],
        )

    def _touch(self) -> None:
        self._dirty = True

    # --- leaving half-way keeps a draft --------------------------------------------------
    def _custom_button(self, which: int) -> None:
        if which == QWizard.WizardButton.CustomButton1.value:
            self.reject()

    def save_draft(self, then: Callable[[], None] | None = None) -> bool:
        """Send what was entered as a draft (on the write worker); `then` runs once it is kept.
        False when nothing was sent (a save is still pending)."""

        def kept(saved: AssessmentForm) -> None:
            self.form.assessment_id = saved.assessment_id  # the next save updates this draft
            self.draft_saved = True
            self._dirty = False
            if then is not None:
                then()

        def refused(err: HvdeskError) -> None:  # as before: said, and the wizard still closes
            dialogs.inform(self, "Draft not saved", str(err), "warning")
            if then is not None:
                super(RiskAssessmentWizard, self).reject()

        return self._send(lambda form: self.service.save_draft(self.actor, form), kept, refused)

    def reject(self) -> None:
        """Leaving: a draft of what was entered is saved first, the wizard closes once it is kept
        (and stays open with everything in it when the database does not answer)."""
        if self.saving.busy:
            return
        if self.result_ is None and self._dirty:
            self.save_draft(then=self._draft_kept)
            return
        super().reject()

    def _draft_kept(self) -> None:
        dialogs.inform(
            self,
            "Draft saved",
            "What you entered is kept as a draft. Open 'Risk assessment…' on the visit to carry on.",
        )
        super().reject()

    # --- finishing -------------------------------------------------------------------------
    def accept(self) -> None:
        """Complete on the write worker; the wizard closes once the assessment is recorded."""
        if self.saving.busy:
            return
        for page in self.pages:
            page.clear_banner()

        def recorded(result: CompletedAssessment) -> None:
            self.result_ = result
            self.completed.emit(result)
            super(RiskAssessmentWizard, self).accept()

        def refused(err: HvdeskError) -> None:
            if isinstance(err, ValidationError):
                self._show_validation(err)
            else:
                dialogs.inform(self, "Assessment not completed", str(err), "warning")

        self._send(lambda form: self.service.complete(self.actor, form), recorded, refused)

    def _send(
        self,
        write: Callable[[AssessmentForm], object],
        saved: Callable[[Any], None],
        refused: Callable[[HvdeskError], None],
    ) -> bool:
        """One write of a copy of the form (the pages keep editing theirs), reported on the page
        shown."""
        page = self.pages[max(self.currentId(), 0)]
        self.saving.report_on(page.banner, page.fields)
        form = copy.deepcopy(self.form)
        return self.saving.run(lambda: write(form), saved, refused)

    def _show_validation(self, err: ValidationError) -> None:
        """Go back to the first page with a problem and list every problem there."""
        target = PAGE_SUMMARY
        for e in err.errors:
            target = min(target, self._page_for(e.field))
        hazards = self.pages[PAGE_HAZARDS]
        assert isinstance(hazards, HazardsPage)
        first_hazard = next((e.field for e in err.errors if e.field.startswith("Hazard ")), None)
        while self.currentId() > target:
            self.back()
        if target == PAGE_HAZARDS and first_hazard:
            number = first_hazard.split()[1]
            if number.isdigit():
                hazards.select(int(number) - 1)
                hazards._selected()
        page = self.pages[target]
        show_errors(page.banner, page.fields, err)
        page.banner.setText(page.banner.text().replace("Nothing was saved", "Not completed yet"))

    @staticmethod
    def _page_for(field: str) -> int:
        if field.startswith("When not to visit"):
            return PAGE_WNTV
        if field.startswith("Hazard"):
            return PAGE_HAZARDS
        if field.startswith("Known risk") or field == "Other risks":
            return PAGE_RISKS
        if field in (F_CHANGES, "Information notes"):
            return PAGE_INFORMATION
        return PAGE_SUMMARY
