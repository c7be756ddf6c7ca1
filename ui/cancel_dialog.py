"""Cancel a visit with a reason (DESIGN 4). A safety reason goes in writing to the approver.

Built over CancellationService. After a safety cancellation the dialog offers the printed
safety-cancellation note (the printing feature's form) when that feature is installed.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QInputDialog,
    QLabel,
    QPlainTextEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from hvdesk.clock import Clock, fmt_datetime, london
from hvdesk.db import Database
from hvdesk.errors import FieldError, HvdeskError, ValidationError
from hvdesk.models import CancelReason, Visit
from hvdesk.policy import PolicySettings
from hvdesk.rules.validation import display_phone
from hvdesk.services.base import Actor
from hvdesk.services.cancellation import CANCEL_LABELS, CancellationService, FamilyToTell
from ui import dialogs
from ui.a11y import ValueLabel, ink
from ui.dialog_save import DialogSave
from ui.forms import clear_errors, error_banner, show_errors
from ui.worker import Worker

HINTS = {
    CancelReason.FAMILY_CANCELLED: "Optional: what the family said, and whether to rearrange.",
    CancelReason.PARENT_NOT_PRESENT: "Optional: how long staff waited; whether a slip or letter was left.",
    CancelReason.SAFETY_CONCERN: "Required: what made it unsafe. This is put in writing to the {to}.",
    CancelReason.STAFF_UNAVAILABLE: "Optional: who is unavailable and when it can be rearranged.",
    CancelReason.OTHER: "Required: why the visit is cancelled.",
}

FAMILY_FIELD = "Tell the family"

NotePrinter = Callable[[QWidget, Actor, int], object]


def safety_note_printer(db: Database, clock: Clock) -> NotePrinter | None:
    """The printing feature's safety-cancellation note, if installed (it lands separately)."""
    if importlib.util.find_spec("ui.print_actions") is None:
        return None
    try:
        from hvdesk.form_list import SAFETY_CANCELLATION
        from ui.print_actions import PrintServiceOnUse, print_form
    except ImportError:
        return None

    def run(parent: QWidget, actor: Actor, visit_id: int) -> object:
        # its PrintService (ReportLab) is made on the print worker, not as the dialog opens
        service = PrintServiceOnUse(db, clock)
        return print_form(parent, service, actor, SAFETY_CANCELLATION, visit_id=visit_id)

    return run


class CancelDialog(QDialog):
    cancelled = Signal(int, str)  # visit id, reason

    def __init__(
        self,
        service: CancellationService,
        actor: Actor,
        visit: Visit,
        policy: PolicySettings,
        parent: QWidget | None = None,
        *,
        print_note: NotePrinter | None = None,
        writer: Worker | None = None,
    ) -> None:
        super().__init__(parent)
        self.service, self.actor, self.visit, self.policy = service, actor, visit, policy
        self.print_note = print_note
        self.result_message = ""
        when = london(visit.start)
        self.setWindowTitle(f"Cancel visit {visit.id}")
        self.setAccessibleName(self.windowTitle())
        self.setMinimumWidth(520)
        intro = QLabel(
            f"Cancel visit {visit.id}: {visit.household.name}, {when:%a %d %b %Y %H:%M}, "
            f"{visit.staff_names}. Nothing is deleted: the visit stays on record as cancelled."
        )
        intro.setWordWrap(True)
        self.banner = error_banner()
        self.reasons = QButtonGroup(self)
        self.buttons_by_reason: dict[CancelReason, QRadioButton] = {}
        box = QWidget()
        box.setAccessibleName("Reason")
        reasons = QVBoxLayout(box)
        reasons.setContentsMargins(0, 0, 0, 0)
        reasons.addWidget(QLabel("Reason:"))
        for reason, text in CANCEL_LABELS.items():
            button = QRadioButton(text)
            button.setAccessibleName(f"Reason: {text}")
            self.reasons.addButton(button)
            self.buttons_by_reason[reason] = button
            reasons.addWidget(button)
            button.toggled.connect(lambda on, r=reason: self._reason_changed(r) if on else None)
        self.note = QPlainTextEdit()
        self.note.setTabChangesFocus(True)  # Tab moves on; the text takes no tab characters
        self.note.setAccessibleName("Note")
        self.note.setFixedHeight(90)
        self.hint = ValueLabel("What to write", "Choose a reason.")
        self.hint.setWordWrap(True)
        self.buttons = QDialogButtonBox()
        self.ok = self.buttons.addButton("Cancel the visit", QDialogButtonBox.ButtonRole.AcceptRole)
        self.keep = self.buttons.addButton("Keep the visit", QDialogButtonBox.ButtonRole.RejectRole)
        self.ok.setAccessibleName("Cancel the visit")
        self.keep.setDefault(True)
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.banner)
        layout.addWidget(box)
        layout.addWidget(QLabel("Note:"))
        layout.addWidget(self.note)
        layout.addWidget(self.hint)
        self.family = self._family_box() if policy.tell_family_on_cancel else None
        if self.family is not None:
            layout.addWidget(self.family)
        layout.addWidget(self.buttons)
        self.fields: dict[str, QWidget] = {"Reason": box, "Note": self.note}
        if self.family is not None:
            self.fields[FAMILY_FIELD] = self.family
        self.saving = DialogSave(self, self.banner, self.fields, "cancellation", writer)

    def _family_box(self) -> QGroupBox:
        """Hampton: the family is told at the earliest possible opportunity."""
        group = QGroupBox("Tell the family (at the earliest opportunity)")
        group.setAccessibleName("Tell the family")
        column = QVBoxLayout(group)
        self.family_choice: dict[str, QRadioButton] = {}
        for how, text in (
            ("call", "I have phoned them (logged with the cancellation)"),
            ("letter", "Print a letter to the family now"),
            ("later", "Not yet (tell them later)"),
        ):
            button = QRadioButton(text)
            button.setAccessibleName(f"Tell the family: {text}")
            self.family_choice[how] = button
            column.addWidget(button)
        # Nothing chosen: a call is logged only when someone says they made it.
        return group

    def family_told(self) -> str:
        """'call', 'letter', 'later', or '' while nothing is chosen."""
        if self.family is None:
            return ""
        return next((h for h, b in self.family_choice.items() if b.isChecked()), "")

    def _reason_changed(self, reason: CancelReason) -> None:
        self.hint.setText(HINTS[reason].format(to=self.policy.cancellation_note_to))
        safety = reason is CancelReason.SAFETY_CONCERN
        self.hint.setStyleSheet(f"color: {ink('#8a5a00')}; font-weight: bold;" if safety else "")

    def choose(self, reason: CancelReason) -> None:
        self.buttons_by_reason[reason].setChecked(True)

    def reason(self) -> str:
        return next((r.value for r, b in self.buttons_by_reason.items() if b.isChecked()), "")

    def save(self) -> bool:
        """Cancel on the write worker (ui/dialog_save.py): the dialog says 'Saving…' and stays
        open with what was typed until the cancellation is recorded. False when nothing was
        sent: the family's line is still to choose, or a save is already under way."""
        if self.saving.busy:
            return False
        clear_errors(self.banner, self.fields)
        reason, note, told = self.reason(), self.note.toPlainText(), self.family_told()
        if self.family is not None and not told:
            show_errors(
                self.banner,
                self.fields,
                ValidationError(
                    [
                        FieldError(
                            FAMILY_FIELD,
                            "choose whether you have phoned them, will print a letter now, "
                            "or will tell them later",
                        )
                    ]
                ),
            )
            return False
        visit_id, family_told = self.visit.id, "call" if told == "call" else ""
        return self.saving.run(
            lambda: self.service.cancel(
                self.actor, visit_id, reason, note, family_told=family_told
            ),
            lambda _visit: self._cancelled(reason, told),
            about=self.visit.household.name,
        )

    def _cancelled(self, reason: str, told: str) -> None:
        label = CANCEL_LABELS[CancelReason(reason)]
        self.result_message = f"Visit {self.visit.id} cancelled: {label}."
        self.cancelled.emit(self.visit.id, reason)
        self.accept()
        if reason == CancelReason.SAFETY_CONCERN.value:
            self._offer_safety_note()
        if told == "letter":
            self._print_family_letter()

    def _print_family_letter(self) -> None:
        """The letter is printed (and its print audited) once the cancellation is saved."""
        db, clock = self.service.db, self.service.clock
        print_family_letter(self.parentWidget() or self, self.actor, db, clock, self.visit.id)

    def _offer_safety_note(self) -> None:
        to = self.policy.cancellation_note_to
        printer = self.print_note
        parent = self.parentWidget()
        if printer is None:
            dialogs.inform(
                parent,
                "Safety cancellation",
                f"The reason must be put in writing to the {to}. The cancellation is recorded "
                "with its note for them.",
            )
            return
        if dialogs.confirm(
            parent,
            "Safety cancellation",
            f"The reason must be put in writing to the {to}.\n\nPrint the safety-cancellation "
            "note now?",
        ):
            printer(parent or self, self.actor, self.visit.id)


def print_family_letter(
    parent: QWidget, actor: Actor, db: Database, clock: Clock, visit_id: int
) -> None:
    """The cancellation letter to the family, printed and its print audited; its PrintService
    (ReportLab, a few tenths of a second to load) is made on the print worker, not at the press."""
    try:
        from hvdesk.form_list import CANCELLATION_LETTER
        from ui.print_actions import PrintServiceOnUse, print_form
    except ImportError:
        return
    service = PrintServiceOnUse(db, clock)
    print_form(parent, service, actor, CANCELLATION_LETTER, visit_id=visit_id)


def _pick(parent: QWidget | None, title: str, question: str, items: list[str]) -> str | None:
    chosen, ok = QInputDialog.getItem(parent, title, question, items, 0, False)
    return chosen if ok else None


pick: Callable[[QWidget | None, str, str, list[str]], str | None] = _pick  # a seam for tests
HOW_WORDS = {"I have phoned them": "call", "Print a letter to the family now": "letter"}


def tell_families(window: QWidget, actor: Actor, service: CancellationService,
                  families: list[FamilyToTell], saving: DialogSave,
                  told: Callable[[], None]) -> bool:  # fmt: skip
    """Hampton, from Today: which family has now been told of the cancellation, and how. A call
    is recorded on `saving`'s write worker (`told()` once it is); a letter is printed, and its
    print records it. False when nothing was sent or printed."""
    if not families or saving.busy:
        return False
    items = [
        f"Visit {f.visit_id}: {f.household}, was {fmt_datetime(f.start)}"
        + (f", phone {display_phone(f.phone)}" if f.phone else "")
        for f in families
    ]
    chosen = pick(window, "Tell the family", "Which family has been told (or is to be)?", items)
    how = pick(window, "Tell the family", "How?", list(HOW_WORDS)) if chosen else None
    if chosen is None or how is None:
        return False
    visit_id = families[items.index(chosen)].visit_id
    if HOW_WORDS[how] == "letter":
        print_family_letter(window, actor, service.db, service.clock, visit_id)
        told()
        return True

    def refused(err: HvdeskError) -> None:
        dialogs.inform(window, "Not recorded", str(err), "warning")

    return saving.run(
        lambda: service.tell_family(actor, visit_id, "call"), lambda _r: told(), refused
    )
