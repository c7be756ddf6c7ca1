"""The outcome write-up for a returned visit; installs the 'Write up outcome…' visit action."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from hvdesk.clock import fmt_datetime
from hvdesk.models import Outcome, Visit, VisitStatus
from hvdesk.rules.validation import display_phone
from hvdesk.services.base import Actor
from hvdesk.services.outcomes import OutcomeInput, OutcomeService, outcome_warnings
from ui import dialogs
from ui.dialog_save import DialogSave
from ui.forms import (
    clear_errors,
    error_banner,
    get_optional_date,
    lay_out_edit_dialog,
    optional_date_edit,
    set_optional_date,
)
from ui.screen_reads import ReadThenOpen
from ui.visit_actions import VisitAction
from ui.worker import Worker

READ_HERE = object()  # OutcomeDialog(existing=…) not given: read by the dialog itself

if TYPE_CHECKING:
    from ui.shell import Shell


class OutcomeDialog(QDialog):
    """The write-up of one returned visit; Save writes on the write worker (ui/dialog_save.py)."""

    def __init__(
        self,
        service: OutcomeService,
        actor: Actor,
        visit: Visit,
        parent: QWidget | None = None,
        *,
        writer: Worker | None = None,
        existing: Outcome | object | None = READ_HERE,
    ) -> None:
        """`existing`: the visit's outcome so far, read on the reader before it opens (the visit
        menu); a dialog built on its own (a tool, a test) reads it here."""
        super().__init__(parent)
        self.service, self.actor, self.visit = service, actor, visit
        self.setWindowTitle(f"Outcome: {visit.household.name}")
        self.setMinimumWidth(560)
        self._build_fields()
        self.banner = error_banner()
        header = QLabel(
            f"<b>{visit.household.name}</b>, {visit.household.one_line_address}<br>"
            f"{visit.purpose_label}, {fmt_datetime(visit.start)}, {visit.staff_names}"
        )
        header.setWordWrap(True)
        lay_out_edit_dialog(self, self._form(), self._save, self.banner, header)
        self.saving = DialogSave(self, self.banner, self.fields, "outcome", writer)
        if existing is READ_HERE:
            existing = service.get(visit.id)
        if isinstance(existing, Outcome):
            self._load(existing)

    def _build_fields(self) -> None:
        """Every field, and which of them an error can name (`fields`)."""
        self.summary = QPlainTextEdit()
        self.summary.setTabChangesFocus(True)  # Tab moves on; the text takes no tab characters
        self.summary.setPlaceholderText("What happened, who you saw, how the pupil is")
        self.agreements = QPlainTextEdit()
        self.agreements.setTabChangesFocus(True)  # Tab moves on; the text takes no tab characters
        self.agreements.setPlaceholderText(
            "Agreements made with parents, one per line; end a line with a date to track it:\n"
            "Ben in school by 8:45 every day — by 11/12/2026"
        )
        for box in (self.summary, self.agreements):
            box.setFixedHeight(70)
        self.follow_up = optional_date_edit("Follow-up date")
        self.safeguarding = QCheckBox("Safeguarding concern (report to the DSL, log on CPOMS)")
        self.dsl = QCheckBox("DSL or deputy informed")
        self.referrals = QLineEdit()
        self.social_worker = QCheckBox("Social worker informed")
        self.social_worker_not_yet = QLineEdit()
        self.social_worker_not_yet.setPlaceholderText(
            "Not yet, because … (stays on Today until they are told)"
        )
        self.letters = QLineEdit()
        self.letters.setPlaceholderText("e.g. reminder letter posted")
        self.nobody_home = QCheckBox("Nobody home")
        self.slip_left = QCheckBox("'Sorry you weren't in' slip or letter left")
        self.fields: dict[str, QWidget] = {
            "Summary": self.summary,
            "Agreements": self.agreements,
            "Follow-up date": self.follow_up,
            "Referrals": self.referrals,
            "Letters sent": self.letters,
        }
        household = self.visit.household
        if household.social_worker_name:
            phone = display_phone(household.social_worker_phone)
            self.social_worker.setText(
                f"Social worker informed ({household.social_worker_name} {phone})".replace(
                    " )", ")"
                )
            )
            self.fields["Social worker"] = self.social_worker_not_yet

    def _form(self) -> QFormLayout:
        """The fields in order, then the checks (the social worker's 'not yet' under its box)."""
        form = QFormLayout()
        for label, widget in self.fields.items():
            if widget is self.social_worker_not_yet:
                continue
            widget.setAccessibleName(label)
            form.addRow(f"{label}:", widget)
        for check in (
            self.safeguarding,
            self.dsl,
            self.social_worker,
            self.nobody_home,
            self.slip_left,
        ):
            check.setAccessibleName(check.text())
            form.addRow("", check)
            if check is self.social_worker and "Social worker" in self.fields:
                self.social_worker_not_yet.setAccessibleName("Social worker not yet, because")
                form.addRow("Not yet, because:", self.social_worker_not_yet)
        self.social_worker.toggled.connect(lambda on: self.social_worker_not_yet.setEnabled(not on))
        return form

    def _load(self, existing: Outcome) -> None:
        """An outcome already written up: its answers, to change."""
        self.summary.setPlainText(existing.summary)
        self.agreements.setPlainText(existing.agreements)
        set_optional_date(self.follow_up, existing.follow_up_date)
        self.safeguarding.setChecked(existing.safeguarding_concern)
        self.dsl.setChecked(existing.dsl_informed)
        self.referrals.setText(existing.referrals)
        self.social_worker.setChecked(existing.social_worker_informed)
        self.social_worker_not_yet.setText(existing.social_worker_not_yet_reason)
        self.letters.setText(existing.letters_sent)
        self.nobody_home.setChecked(existing.nobody_home)
        self.slip_left.setChecked(existing.slip_left)

    def form_data(self) -> OutcomeInput:
        return OutcomeInput(
            summary=self.summary.toPlainText(),
            agreements=self.agreements.toPlainText(),
            follow_up_date=get_optional_date(self.follow_up),
            safeguarding_concern=self.safeguarding.isChecked(),
            dsl_informed=self.dsl.isChecked(),
            referrals=self.referrals.text(),
            social_worker_informed=self.social_worker.isChecked(),
            letters_sent=self.letters.text(),
            nobody_home=self.nobody_home.isChecked(),
            slip_left=self.slip_left.isChecked(),
            social_worker_not_yet_reason=""
            if self.social_worker.isChecked()
            else self.social_worker_not_yet.text(),
        )

    def _save(self) -> None:
        if self.saving.busy:  # pressed again while it is being written: saved once
            return
        clear_errors(self.banner, self.fields)
        data = self.form_data()
        warnings = outcome_warnings(data, self.visit.household)
        if warnings and not dialogs.confirm(
            self, "Before you save", "\n\n".join(warnings) + "\n\nSave the outcome anyway?"
        ):
            return
        visit_id = self.visit.id
        self.saving.run(
            lambda: self.service.record(self.actor, visit_id, data),
            self._saved,
            about=self.visit.household.name,
        )

    def _saved(self, _outcome: object) -> None:
        self.accept()


def install(window: Shell) -> None:
    service = OutcomeService(window.services.db, window.services.clock)
    opening = ReadThenOpen(window.dialog_parent(), window.worker)

    def open_(parent: QWidget | None, visit: Visit, existing: Outcome | None) -> None:
        dialog = OutcomeDialog(
            service, window.actor, visit, parent, writer=window.writer, existing=existing
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(window.data_changed.emit)
        dialog.open()

    def run(visit: Visit, parent: QWidget) -> None:
        """The outcome so far is read on the reader, then the form opens."""
        opening.open(
            parent,
            lambda: service.get(visit.id),
            lambda parent, existing: open_(parent, visit, existing),
            "the outcome",
        )

    window.visit_actions.register(
        VisitAction(
            "Write up outcome…",
            run,
            lambda v: v.status in (VisitStatus.RETURNED, VisitStatus.COMPLETED),
            group="visit",
        )
    )
