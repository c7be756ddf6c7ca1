"""The Approval screen, and install() for issue 3 (risk assessment, approval, lone working).

One row per visit awaiting approval: when, where, purpose, staff, risk level and the checks. The
selected visit's details, checks (each with its reason and fix) and risk summary show beside it;
one click opens the full assessment. Only approvers get working Approve / Reject buttons; everyone
else sees the queue read-only. The services enforce the same rule, whatever the screen does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from html import escape
from typing import TYPE_CHECKING

from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QAction, QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from hvdesk.clock import fmt_datetime, fmt_time, london
from hvdesk.errors import HvdeskError, ValidationError
from hvdesk.models import RiskAssessment, Role, Visit, VisitStatus
from hvdesk.rules.approval import Severity
from hvdesk.rules.risk import AssessmentForm
from hvdesk.rules.validation import display_phone
from hvdesk.services.approval import ApprovalService, ReviewItem
from hvdesk.services.base import Actor
from hvdesk.services.lone_working import LoneWorkingService
from hvdesk.services.risk_assessment import (
    EDITABLE,
    RiskAssessmentService,
    describe,
    form_from_row,
)
from ui import dialogs
from ui.a11y import ValueLabel, fit_columns, tab_leaves, tell_in_status_bar
from ui.dialog_save import DialogSave
from ui.forms import clear_errors, error_banner, show_errors
from ui.models.table import Column, ObjectRole, RowTableModel
from ui.screen_reads import ReadThenOpen
from ui.tracker.saving import Outcome, not_recorded, save
from ui.wizard.levels import LEVEL_STYLE, SEVERITY_STYLE, level_badge
from ui.worker import Worker

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from ui.lone_working_dialog import LoneWorkingDialog
    from ui.shell import Shell
    from ui.wizard.assessment_view import AssessmentDialog
    from ui.wizard.risk_wizard import RiskAssessmentWizard


def _risk_colour(item: ReviewItem) -> QColor:
    if item.summary is None:
        return QColor("#b00020")
    return QColor(LEVEL_STYLE[item.summary.level][2])


def _check_colour(item: ReviewItem) -> QColor:
    if item.check.blocking or item.check.of(Severity.STRONG_WARNING):
        return QColor("#b00020")
    if item.check.decisions or item.check.warnings:
        return QColor("#7a4f00")
    return QColor("#1b5e20")


def _when(item: ReviewItem) -> str:
    return london(item.visit.start).strftime("%a %d %b %H:%M")


COLUMNS: list[Column[ReviewItem]] = [
    Column(
        "When", _when, sort=lambda i: i.visit.start, tooltip=lambda i: fmt_datetime(i.visit.start)
    ),
    Column(
        "Household",
        lambda i: i.visit.household.name,
        tooltip=lambda i: i.visit.household.one_line_address,
    ),
    Column(
        "Checks",
        lambda i: i.check.headline,
        foreground=_check_colour,
        tooltip=lambda i: i.check.headline,
    ),
    Column("Risk", lambda i: i.risk_text, foreground=_risk_colour),
    Column("Staff", lambda i: i.visit.staff_names, tooltip=lambda i: i.visit.staff_names),
    Column("Purpose", lambda i: i.visit.purpose_label, tooltip=lambda i: i.visit.purpose_label),
]


def review_html(item: ReviewItem) -> str:
    """The selected visit for the approver: details, the checks and the risk summary."""
    e, v = escape, item.visit
    h = v.household
    lines = [f"<h3>{e(h.name)} — {e(h.one_line_address)}</h3><p>"]
    if v.pupil is not None:
        lines.append(f"<b>Pupil:</b> {e(v.pupil.name)} ({e(v.pupil.year_group)})<br>")
    lines.append(
        f"<b>Purpose:</b> {e(v.purpose_label)} ({'announced' if v.announced else 'unannounced'})"
        f"<br><b>When:</b> {e(fmt_datetime(v.start)[:15])}: leaves {fmt_time(v.planned_departure)}"
        f" · visit {fmt_time(v.start)}–{fmt_time(v.end)} · back by {fmt_time(v.expected_return)}"
    )
    staff = [f"{e(v.lead_staff.name)} (lead) {e(display_phone(v.lead_staff.mobile))}"]
    if v.companion_staff is not None:
        comp = v.companion_staff
        staff.append(f"{e(comp.name)} {e(display_phone(comp.mobile))}")
    lines.append(f"<br><b>Staff:</b> {'; '.join(staff)}")
    if v.office_contact:
        lines.append(f"<br><b>Office contact:</b> {e(v.office_contact)}")
    if v.lone_visit_reason:
        lines.append(f"<br><b>Reason for a lone visit:</b> {e(v.lone_visit_reason)}")
    if v.out_of_hours_reason or v.responsible_contact:
        lines.append(
            f"<br><b>Out of hours:</b> {e(v.out_of_hours_reason or 'no reason')}; responsible "
            f"contact {e(v.responsible_contact or 'none')}"
        )
    if v.on_way_to_from_work:
        lines.append("<br><b>On the way to or from work</b>")
    if h.social_worker_name:
        lines.append(
            f"<br><b>Social worker:</b> {e(h.social_worker_name)} "
            f"{e(display_phone(h.social_worker_phone))}"
        )
    if v.pre_visit_notes:
        lines.append(f"<br><b>Notes:</b> {e(v.pre_visit_notes)}")
    lines.append("</p><h4>Checks</h4>")
    if not item.check.findings:
        lines.append('<p style="color:#1b5e20">✓ No warnings: nothing stops this visit.</p>')
    for finding in item.check.findings:
        icon, word, colour = SEVERITY_STYLE[finding.severity]
        fix = f"<br><i>Fix:</i> {e(finding.fix)}" if finding.fix else ""
        lines.append(
            f'<p style="margin-left:6px"><span style="color:{colour}; font-weight:bold">{icon} '
            f"{word}:</span> {e(finding.reason)}{fix}</p>"
        )
    lines.append("<h4>Risk assessment</h4>")
    ra, summary = item.assessment, item.summary
    if ra is None:
        lines.append("<p>✗ Not assessed yet.</p>")
    elif summary is None:
        lines.append("<p>✎ A draft has been started but not finished.</p>")
    else:
        _icon, _word, fg, bg = LEVEL_STYLE[summary.level]
        lines.append(
            f'<p><span style="color:{fg}; background:{bg}; font-weight:bold">&nbsp;'
            f"{e(level_badge(summary.level))}&nbsp;</span> {e(describe(ra))}<br>"
            f"{e('; '.join(summary.level_reasons))}</p>"
        )
        present = [
            f"{k.replace('_', ' ').capitalize()}: {a.note}"
            for k, a in form_from_row(ra).known_risks.items()
            if a.present
        ]
        if present:
            lines.append("<p><b>Known risks:</b> " + e("; ".join(present)) + "</p>")
        if summary.warnings:
            lines.append("<ul>" + "".join(f"<li>⚠ {e(w)}</li>" for w in summary.warnings) + "</ul>")
    return "".join(lines)


class ApprovalPanel(QWidget):
    changed = Signal()
    open_assessment = Signal(int)  # visit id: the feature opens the full assessment
    CHECKS, STAFF, PURPOSE = 2, 4, 5  # columns that give way first at 1280 px

    def __init__(
        self,
        approvals: ApprovalService,
        actor: Actor,
        approver_title: str,
        parent: QWidget | None = None,
        *,
        writer: Worker | None = None,
        worker: Worker | None = None,
    ) -> None:
        super().__init__(parent)
        self.approvals, self.actor, self.worker = approvals, actor, worker
        self.is_approver = actor.role == Role.APPROVER.value
        self._build_table()
        self.title = QLabel()
        self.title.setStyleSheet("font-weight: bold; font-size: 13pt;")
        role_text = (
            f"You can approve or reject visits as {actor.name}."
            if self.is_approver
            else f"Read only: only an approver ({approver_title}) can approve or reject visits. "
            f"You are signed in as {actor.name} ({actor.role})."
        )
        self.role_label = ValueLabel("Who can approve", role_text)
        self.role_label.setWordWrap(True)
        self.detail = QTextBrowser()
        self.detail.setTabChangesFocus(True)  # Tab moves on; the text takes no tab characters
        self.detail.setAccessibleName("Selected visit: details, checks and risk summary")
        self.detail.setOpenLinks(False)
        self.open_button = QPushButton("Open full assessment…")
        self.open_button.setAccessibleName("Open full risk assessment")
        self.open_button.clicked.connect(self._open_assessment)
        self._build_decision()
        self.saving = DialogSave(
            self,
            self.banner,
            self.fields,
            "decision",
            writer,
            buttons=[self.approve_button, self.reject_button],
        )
        self._shown_id: int | None = None
        self._lay_out()
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._show_selected())
        # read when first shown: MainWindow refreshes a screen as it is shown, not at start-up

    def _build_table(self) -> None:
        """The queue: one row a visit, sorted by start, one selected at a time."""
        self.model: RowTableModel[ReviewItem] = RowTableModel(COLUMNS, self)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(Qt.ItemDataRole.UserRole + 2)
        self.table = tab_leaves(QTableView())
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setAccessibleName("Visits awaiting approval")
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)

    def _build_decision(self) -> None:
        """The decision box: errors, the note, the lone-visit decision, Approve / Reject."""
        self.decision = QGroupBox("Decision")
        self.banner = error_banner()
        self.note = QPlainTextEdit()
        self.note.setTabChangesFocus(True)  # Tab moves on; the text takes no tab characters
        self.note.setAccessibleName("Note")
        self.note.setPlaceholderText("Note for your decision (needed when there are warnings)")
        self.note.setFixedHeight(64)
        self.lone_decision = QCheckBox("I have decided this lone visit is safe and appropriate")
        self.lone_decision.setAccessibleName("Lone visit decision")
        self.approve_button = QPushButton("✓ Approve")
        self.approve_button.setAccessibleName("Approve")
        self.approve_button.clicked.connect(self.approve_selected)
        self.reject_button = QPushButton("✗ Reject…")
        self.reject_button.setAccessibleName("Reject")
        self.reject_button.clicked.connect(self.reject_selected)
        self.decision_hint = QLabel()
        self.decision_hint.setWordWrap(True)
        self.result = ValueLabel("Last decision")
        self.result.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.approve_button)
        buttons.addWidget(self.reject_button)
        buttons.addStretch(1)
        decision_layout = QVBoxLayout(self.decision)
        decision_layout.addWidget(self.banner)
        decision_layout.addWidget(self.note)
        decision_layout.addWidget(self.lone_decision)
        decision_layout.addLayout(buttons)
        decision_layout.addWidget(self.decision_hint)
        self.fields = {"Note": self.note, "Lone visit decision": self.lone_decision}

    def _lay_out(self) -> None:
        """Title and role above; the queue on the left, the selected visit and decision right."""
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.setContentsMargins(0, 0, 0, 0)
        side_layout.addWidget(self.detail, 1)
        side_layout.addWidget(self.open_button)
        side_layout.addWidget(self.decision)
        side_layout.addWidget(self.result)
        splitter = QSplitter()
        splitter.addWidget(self.table)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        splitter.setSizes([660, 440])
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.role_label)
        layout.addWidget(splitter, 1)

    # --- reading ---------------------------------------------------------------------------
    def refresh(self, then: Callable[[], object] | None = None) -> None:
        """Read the queue, then `then()`: on the reader worker when the panel has one (the
        window never waits for the database), else at once."""

        def show(items: list[ReviewItem]) -> None:
            self._show_rows(items)
            if then is not None:
                then()

        if self.worker is None:
            show(self.approvals.pending())
        else:
            self.worker.submit(self.approvals.pending, show, self._not_read)

    def _not_read(self, message: str) -> None:
        log.warning("The approval queue was not read: %s", message)
        self.title.setText("AWAITING APPROVAL: the database is not answering (shown as last read)")

    def _show_rows(self, items: list[ReviewItem]) -> None:
        keep = self.selected()
        self.model.set_rows(items)
        fit_columns(self.table, shrink=[self.STAFF, self.PURPOSE, self.CHECKS])
        for col, cap in ((1, 170), (2, 260), (4, 220)):
            self.table.setColumnWidth(col, min(self.table.columnWidth(col), cap))
        blocked = sum(1 for i in items if i.check.blocking)
        self.title.setText(
            f"AWAITING APPROVAL ({len(items)})" + (f"   ✖ blocked ({blocked})" if blocked else "")
        )
        if keep is not None:
            self.select_visit(keep.visit.id, quiet=True)
        self._show_selected()

    def selected(self) -> ReviewItem | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].data(ObjectRole) if rows else None

    def select_visit(self, visit_id: int, *, quiet: bool = False) -> bool:
        for row in range(self.proxy.rowCount()):
            if self.proxy.index(row, 0).data(ObjectRole).visit.id == visit_id:
                self.table.selectRow(row)
                return True
        if not quiet:
            dialogs.inform(
                self,
                "Not awaiting approval",
                f"Visit {visit_id} is not awaiting approval; send it for approval first.",
            )
        return False

    def _show_selected(self) -> None:
        item = self.selected()
        shown = item.visit.id if item is not None else None
        if shown != self._shown_id:  # a refresh of the same visit keeps a half-typed note
            self._shown_id = shown
            clear_errors(self.banner, self.fields)
            self.note.clear()
            self.lone_decision.setChecked(False)
        has = item is not None
        self.open_button.setEnabled(item is not None and item.assessment is not None)
        self.decision.setEnabled(has and self.is_approver)
        if item is None:
            self.detail.setHtml(
                "<p>Select a visit to see its details, checks and risk assessment.</p>"
                if self.model.rowCount()
                else "<p>✓ Nothing is awaiting approval.</p>"
            )
            self.lone_decision.setVisible(False)
            self.decision_hint.setText("")
            return
        self.detail.setHtml(review_html(item))
        check = item.check
        self.lone_decision.setVisible(check.needs_lone_decision)
        self.approve_button.setEnabled(self.is_approver and check.can_approve)
        self.reject_button.setEnabled(self.is_approver)
        if not self.is_approver:
            hint = "Read only: approving and rejecting need the approver role."
        elif check.blocking:
            hint = "✖ Cannot be approved until the facts change: see the checks above."
        elif check.needs_note:
            hint = "⚠ This visit has warnings: write a note saying why you approve or reject it."
        else:
            hint = "✓ No warnings."
        self.decision_hint.setText(hint)

    # --- deciding --------------------------------------------------------------------------
    def approve_selected(self) -> None:
        item = self.selected()
        if item is None or self.saving.busy:
            return
        visit_id, version = item.visit.id, item.visit.row_version
        note, lone = self.note.toPlainText(), self.lone_decision.isChecked()
        self._decide(
            item,
            lambda: self.approvals.approve(
                self.actor, visit_id, note, lone_visit_decision=lone, seen_version=version
            ),
            "✓ Approved",
        )

    def reject_selected(self) -> None:
        item = self.selected()
        if item is None or self.saving.busy:
            return
        note = self.note.toPlainText()
        if note.strip() and not dialogs.confirm(
            self,
            "Reject visit",
            f"Reject the visit to {item.visit.household.name} on "
            f"{fmt_datetime(item.visit.start)}? The office sees your note.",
        ):
            return
        visit_id, version = item.visit.id, item.visit.row_version
        self._decide(
            item,
            lambda: self.approvals.reject(self.actor, visit_id, note, seen_version=version),
            "✗ Rejected",
        )

    def _decide(self, item: ReviewItem, action: Callable[[], object], done: str) -> None:
        """The decision is written on the write worker; the note stays until it is recorded."""

        def decided(_result: object) -> None:
            self.result.setText(
                f"{done}: {item.visit.household.name}, {fmt_datetime(item.visit.start)}."
            )
            self.refresh()
            self.changed.emit()

        self.saving.run(action, decided, self._refused, about=item.visit.household.name)

    def _refused(self, err: HvdeskError) -> None:
        if isinstance(err, ValidationError):
            show_errors(self.banner, self.fields, err)
            self.banner.setText(self.banner.text().replace("Nothing was saved", "Not decided yet"))
            return
        dialogs.inform(self, "Not decided", str(err), "warning")
        self.refresh()

    def _open_assessment(self) -> None:
        item = self.selected()
        if item is not None:
            self.open_assessment.emit(item.visit.id)


class ApprovalFeature:
    """Issue 3's behaviour in the window: the wizard, the queue, the full assessment, lone working.

    Dialogs open window-modal without a nested event loop (open()), and the latest of each is kept
    here so tests and callers can reach it.
    """

    def __init__(self, window: Shell) -> None:
        self.window = window
        self.parent = window.dialog_parent()
        db, clock = window.services.db, window.services.clock
        self.approvals = ApprovalService(db, clock)
        self.assessments = RiskAssessmentService(db, clock)
        self.lone_working = LoneWorkingService(db, clock)
        self.wizard: RiskAssessmentWizard | None = None
        self.viewer: AssessmentDialog | None = None
        self.lone_dialog: LoneWorkingDialog | None = None
        self.opening = ReadThenOpen(self.parent, window.worker)  # the wizard's read, the viewer's
        policy = window.live.policy()  # read once per window (at its build), not per feature
        self.panel = ApprovalPanel(
            self.approvals,
            window.actor,
            policy.approver_title,
            writer=window.writer,
            worker=window.worker,
        )
        self.panel.changed.connect(window.data_changed)
        self.panel.open_assessment.connect(self.view_assessment)

    # --- the wizard ------------------------------------------------------------------------
    def assess(
        self,
        visit_id: int,
        parent: QWidget | None = None,
        then: Callable[[RiskAssessmentWizard, Visit], object] | None = None,
    ) -> int:
        """The visit and its assessment form are read on the reader, then the wizard opens and
        `then(wizard, visit)` (a refusal, e.g. the visit has moved on, or a database that does
        not answer, is said). Returns the request's number."""
        visits, assessments = self.window.services.visits, self.assessments
        actor = self.window.actor

        def open_(parent: QWidget | None, read: tuple[Visit, AssessmentForm]) -> None:
            wizard = self.open_wizard(*read, parent)
            if then is not None:
                then(wizard, read[0])

        return self.opening.open(
            parent or self.parent,
            lambda: (visits.get(visit_id), assessments.start(actor, visit_id)),
            open_,
            "the risk assessment",
            title="Risk assessment",
        )

    def open_wizard(
        self, visit: Visit, form: AssessmentForm, parent: QWidget | None = None
    ) -> RiskAssessmentWizard:
        """The wizard on `form` (read on the reader: `assess`)."""
        from ui.wizard.risk_wizard import RiskAssessmentWizard

        self.opening.opened()  # an older request still out is dropped
        wizard = RiskAssessmentWizard(
            self.assessments, self.window.actor, form, parent or self.parent, self.window.writer
        )
        wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        wizard.completed.connect(lambda result, v=visit: self._assessed(result, v, wizard))
        wizard.rejected.connect(self.window.data_changed)
        self.wizard = wizard
        wizard.open()
        return wizard

    def _assessed(self, result, visit: Visit, parent: QWidget) -> None:
        summary = result.summary
        self.window.data_changed.emit()
        if summary.blocked:
            dialogs.inform(
                parent,
                "Visit blocked",
                "The assessment is recorded. This visit must not go ahead:\n\n"
                + "\n".join(f"✖ {b.reason}\n   To unblock: {b.fix}" for b in summary.blockers),
                "warning",
            )
            return
        level = level_badge(summary.level)
        if result.sent_back:
            dialogs.inform(
                parent,
                "Sent back for approval",
                f"Assessment complete (overall {level}). The visit was approved before, so it has "
                "gone back to the approver to look at again.",
            )
            return
        visits = self.window.services.visits
        self.opening.open(  # the visit as it is now, on the reader
            parent,
            lambda: visits.get(visit.id),
            lambda parent, current: self._offer_submit(parent, current, level),
            "the visit",
        )

    def _offer_submit(self, parent: QWidget | None, current: Visit, level: str) -> None:
        if current.status in (VisitStatus.DRAFT.value, VisitStatus.REJECTED.value):
            if dialogs.confirm(
                parent,
                "Send for approval",
                f"Assessment complete (overall {level}). Send this visit for approval now?",
            ):
                self._submit(current)
        else:
            dialogs.inform(parent, "Assessment complete", f"Overall risk: {level}.")

    def _submit(self, visit: Visit) -> None:
        """Send for approval on the window's write worker; said once it is recorded (or not).
        Said over the window: the wizard has closed (and been deleted) by the time the write
        answers. The lists reload first, so they are current while the message waits. The
        write is only the send: who will see it is read afterwards, on the reader, so a read
        that fails after the commit never says the send was not recorded."""
        actor, visit_id = self.window.actor, visit.id

        def sent(outcome: Outcome) -> None:
            self.window.data_changed.emit()
            parent = self.window.dialog_parent()
            if outcome.recorded:
                self._say_sent(visit)
            elif outcome.failure is not None:
                dialogs.inform(parent, "Not sent", outcome.refused, "warning")
            else:
                words = not_recorded("sending for approval", outcome)
                dialogs.inform(parent, "Not sent", words, "warning")

        save(
            self.window.writer,
            lambda: self.approvals.submit(actor, visit_id),
            sent,
            what=f"sending visit {visit_id} ({visit.household.name}) for approval",
        )

    def _say_sent(self, visit: Visit) -> None:
        """'Sent for approval', with who will see it when that can be read."""

        def say(words: str) -> None:
            dialogs.inform(self.window.dialog_parent(), "Sent for approval", words)

        def unread(message: str) -> None:
            log.warning("Sent for approval; who will see it was not read: %s", message)
            say(
                f"Visit {visit.id} ({visit.household.name}) is sent for approval (could not "
                "read who will see it: the database did not answer)."
            )

        self.window.worker.submit(lambda: self._sent_to(visit), say, unread)

    def _sent_to(self, visit: Visit) -> str:
        """'Sent to Linda Francis (Headteacher) for approval': who will see it in their queue
        (on a worker: it reads the policy and the accounts)."""
        title = self.window.services.settings.policy().approver_title
        names = [
            u.display_name
            for u in self.window.services.auth.list()
            if u.role == Role.APPROVER.value and getattr(u, "active", True)
        ]
        if not names:
            return (
                f"Visit {visit.id} is waiting for approval, but nobody has an approver account "
                f"yet: add the {title} in Users."
            )
        who = " or ".join(names)
        return f"Visit {visit.id} ({visit.household.name}): sent to {who} ({title}) for approval."

    # --- the full assessment, read-only ----------------------------------------------------
    def view_assessment(self, visit_id: int) -> None:
        """The assessment and its visit are read on the reader, then shown."""
        visits, assessments = self.window.services.visits, self.assessments
        self.opening.open(
            self.parent,
            lambda: (assessments.for_visit(visit_id), visits.get(visit_id)),
            lambda parent, read: self._show_assessment(parent, *read),
            "the risk assessment",
            title="Risk assessment",
        )

    def _show_assessment(
        self, parent: QWidget | None, row: RiskAssessment | None, visit: Visit
    ) -> None:
        from ui.wizard.assessment_view import AssessmentDialog

        if row is None:
            dialogs.inform(parent, "Risk assessment", "This visit has no risk assessment yet.")
            return
        heading = f"{visit.household.name}, {fmt_datetime(visit.start)}"
        self.viewer = AssessmentDialog(row, heading, parent)
        self.viewer.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.viewer.open()

    # --- approval from anywhere a visit is -------------------------------------------------
    def open_in_queue(self, visit: Visit, _parent: QWidget | None = None) -> None:
        self.window.show_panel("Approval")
        self.panel.refresh(then=lambda: self.panel.select_visit(visit.id))

    # --- lone working ----------------------------------------------------------------------
    def open_lone_working(self, staff_id: int | None = None) -> LoneWorkingDialog:
        from ui.lone_working_dialog import LoneWorkingDialog

        staff = self.window.services.staff
        self.lone_dialog = LoneWorkingDialog(
            self.lone_working,
            self.window.actor,
            {},
            staff_id,
            self.parent,
            writer=self.window.writer,
            reader=self.window.worker,
            read_mobiles=lambda: {s.id: s.mobile for s in staff.list()},
        )
        self.lone_dialog.reads.failed.connect(self.window.live.read_failed)
        self.lone_dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.lone_dialog.finished.connect(lambda _r: self.window.data_changed.emit())
        self.lone_dialog.open()
        return self.lone_dialog


def _assess_new(
    feature: ApprovalFeature, window: Shell, visit_id: int, parent: QWidget | None
) -> None:
    """'Book and assess now': the assessment opens (read on the reader first); cancelling it must
    not leave a draft that nobody was told about (a draft is never approved, so nobody may
    visit)."""

    def opened(wizard: RiskAssessmentWizard, visit: Visit) -> None:
        text = (
            f"Visit {visit.id} ({visit.household.name}) kept as a draft: no risk assessment yet. "
            "Open 'Risk assessment…' on the visit to finish it and send it for approval."
        )
        wizard.rejected.connect(lambda: tell_in_status_bar(window.dialog_parent(), text))

    feature.assess(visit_id, parent, opened)


def install(window: Shell) -> None:
    from ui.calendar.feature import CalendarFeature
    from ui.visit_actions import VisitAction

    feature = ApprovalFeature(window)
    window.register(feature)
    window.add_panel("Approval", feature.panel, window.panel_position_after("Visits"))
    # Always built: a switch of user shows or hides it (ui.session_lock), by who may add accounts
    from ui.panels.users import UsersPanel
    from ui.session_lock import show_panel_for_role

    users = UsersPanel(
        window.services.auth,
        window.services.staff,
        window.actor,
        window.live.policy().approver_title,
        writer=window.writer,
        worker=window.worker,
    )
    window.on_start(users.first_load)
    users.for_roles = {Role.ADMIN.value, Role.APPROVER.value}
    users.changed.connect(window.data_changed)
    window.add_panel("Users", users, window.panel_position_after("Settings"))
    show_panel_for_role(window, "Users")
    # 'Book and assess now': booking opens the risk assessment of the new visit
    window.feature(CalendarFeature).controller.assess_after_booking = lambda vid, parent: (
        _assess_new(feature, window, vid, parent)
    )
    window.visit_actions.register(
        VisitAction(
            "Risk assessment…",
            lambda v, p: feature.assess(v.id, p) and None,
            lambda v: v.status in EDITABLE,
            group="approval",
        )
    )
    window.visit_actions.register(
        VisitAction(
            "View risk assessment",
            lambda v, _p: feature.view_assessment(v.id),
            lambda v: v.status not in EDITABLE and v.risk_assessment_id is not None,
            group="approval",
        )
    )
    window.visit_actions.register(
        VisitAction(
            "Approve / reject…",
            feature.open_in_queue,
            lambda v: v.status == VisitStatus.AWAITING_APPROVAL.value,
            group="approval",
        )
    )
    lone = QAction("Lone working assessments…", window.dialog_parent())
    lone.triggered.connect(lambda _c=False: feature.open_lone_working())
    window.menu("tools").addAction(lone)
    # the Staff screen's hook for buttons acting on the selected person
    button = window.add_staff_button("Lone working…", lambda s, _b: feature.open_lone_working(s.id))
    button.setToolTip("Lone working assessment for the selected person: sign one, safe word")
