"""Lone Working Risk Assessments from the Staff screen: who is current, signing a new one, and the
safe word, masked everywhere and shown only on an audited reveal to office users and approvers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from PySide6.QtCore import QDate
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hvdesk.clock import fmt_date, london
from hvdesk.models import Role
from hvdesk.rules.risk import LIKELIHOOD, ST_HUGHS_HAZARDS, st_hughs_rows
from hvdesk.rules.validation import display_phone
from hvdesk.services.base import Actor
from hvdesk.services.lone_working import (
    DECLARATION,
    F_CONFIRM,
    F_CONFIRM_PIN,
    F_DECLARATION,
    F_MOBILE,
    F_PIN,
    F_SIGNED,
    F_WORD,
    MASK,
    LoneWorkingInput,
    LoneWorkingService,
    LoneWorkingStatus,
    RevealedSafeWord,
)
from ui import dialogs
from ui.a11y import DateEdit, tab_leaves
from ui.dialog_save import DialogSave, write_then_show
from ui.forms import error_banner, qdate_value
from ui.models.table import Column, ObjectRole, RowTableModel
from ui.screen_reads import LatestRead
from ui.wizard.levels import level_badge
from ui.worker import Worker

STATE_COLOURS = {
    "current": "#1b5e20",
    "due_soon": "#7a4f00",
    "expired": "#b00020",
    "none": "#b00020",
}

COLUMNS: list[Column[LoneWorkingStatus]] = [
    Column("Name", lambda s: s.staff_name),
    Column("Role", lambda s: s.job_title),
    Column(
        "Lone working assessment",
        lambda s: s.text,
        sort=lambda s: ("none", "expired", "due_soon", "current").index(s.state),
        foreground=lambda s: QColor(STATE_COLOURS[s.state]),
    ),
    Column("Signed", lambda s: fmt_date(s.signed_on) or "—"),
    Column("Mobile", lambda s: display_phone(s.mobile) or "—"),
    Column("Safe word", lambda s: f"{MASK} hidden" if s.assessment_id else "—"),
    Column("Texting PIN", lambda s: "✓ Set (hidden)" if s.has_pin else "✗ Not set"),
]


def _hazards_table() -> QTableWidget:
    """St Hugh's hazards, each with its likelihood, risk level and controls (read only)."""
    hazards = tab_leaves(QTableWidget(len(ST_HUGHS_HAZARDS), 4))
    hazards.setHorizontalHeaderLabels(["Hazard", "Likelihood", "Risk level", "Controls"])
    hazards.setAccessibleName("Lone Working Risk Assessment hazards")
    hazards.verticalHeader().setVisible(False)
    hazards.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    hazards.setWordWrap(True)
    for row, hz in enumerate(st_hughs_rows()):
        for col, text in enumerate(
            [hz.hazard, LIKELIHOOD[hz.likelihood], level_badge(hz.level), hz.controls]
        ):
            hazards.setItem(row, col, QTableWidgetItem(text))
    header = hazards.horizontalHeader()
    header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
    header.setSectionResizeMode(3, QHeaderView.ResizeMode.Stretch)
    hazards.setColumnWidth(0, 220)
    hazards.resizeRowsToContents()
    return hazards


class SignLoneWorkingDialog(QDialog):
    """The St Hugh's form: read the hazards, give mobile and safe word, sign and date."""

    def __init__(
        self,
        service: LoneWorkingService,
        actor: Actor,
        status: LoneWorkingStatus,
        default_mobile: str,
        today: date,
        parent: QWidget | None = None,
        *,
        writer: Worker | None = None,
    ) -> None:
        super().__init__(parent)
        self.service, self.actor, self.status = service, actor, status
        self.saved: LoneWorkingStatus | None = None
        self.setWindowTitle(f"Lone Working Risk Assessment — {status.staff_name}")
        self._build_fields(default_mobile, today)
        self.banner = error_banner()
        self._lay_out(_hazards_table())
        self.saving = DialogSave(self, self.banner, self.fields, "lone working assessment", writer)
        self.resize(900, 640)

    def _build_fields(self, default_mobile: str, today: date) -> None:
        """The declaration and the form's fields (safe word and PIN masked), named for errors."""
        self.declaration = QCheckBox(DECLARATION)
        self.mobile = QLineEdit(display_phone(default_mobile))
        self.mobile.setPlaceholderText("07700 900123")
        self.safe_word = QLineEdit()
        self.safe_word.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm = QLineEdit()
        self.confirm.setEchoMode(QLineEdit.EchoMode.Password)
        self.show_word = QCheckBox("Show the safe word while typing")
        self.show_word.setAccessibleName("Show the safe word while typing")
        self.show_word.toggled.connect(self._toggle_echo)
        self.pin = QLineEdit()
        self.pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.pin.setMaxLength(4)
        self.pin.setPlaceholderText(
            "4 digits; blank keeps the PIN already set" if self.status.has_pin else "4 digits"
        )
        self.confirm_pin = QLineEdit()
        self.confirm_pin.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm_pin.setMaxLength(4)
        self.signed = DateEdit()
        self.signed.setDate(QDate(today.year, today.month, today.day))
        self.signed.setCalendarPopup(True)
        self.fields: dict[str, QWidget] = {
            F_MOBILE: self.mobile,
            F_WORD: self.safe_word,
            F_CONFIRM: self.confirm,
            F_PIN: self.pin,
            F_CONFIRM_PIN: self.confirm_pin,
            F_SIGNED: self.signed,
            F_DECLARATION: self.declaration,
        }
        for name, widget in self.fields.items():
            widget.setAccessibleName(name)

    def _lay_out(self, hazards: QTableWidget) -> None:
        """Banner, what the form is for, the hazards, the declaration, the form, Sign / Cancel."""
        form = QFormLayout()
        form.addRow("My mobile telephone number is:", self.mobile)
        form.addRow("My safe word is:", self.safe_word)
        form.addRow("Type the safe word again:", self.confirm)
        form.addRow("", self.show_word)
        form.addRow("My texting PIN is:", self.pin)
        form.addRow("Type the PIN again:", self.confirm_pin)
        form.addRow("Signed on:", self.signed)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Save).setText("Sign and save")
        buttons.accepted.connect(self._save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        intro = QLabel(
            "Read the hazards and controls, then sign. The safe word is said on a call to mean "
            "'I need help now'; it is kept hidden and shown to the office or an approver only on "
            "request, which is recorded. The texting PIN goes with every text to the school's "
            "hvdesk number (e.g. OK 4821); nobody can read it back, not even the office."
        )
        intro.setWordWrap(True)
        layout.addWidget(intro)
        layout.addWidget(hazards, 1)
        layout.addWidget(self.declaration)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def _toggle_echo(self, show: bool) -> None:
        mode = QLineEdit.EchoMode.Normal if show else QLineEdit.EchoMode.Password
        self.safe_word.setEchoMode(mode)
        self.confirm.setEchoMode(mode)

    def form_data(self) -> LoneWorkingInput:
        return LoneWorkingInput(
            mobile=self.mobile.text(),
            safe_word=self.safe_word.text(),
            confirm_safe_word=self.confirm.text(),
            signed_on=qdate_value(self.signed.date()),
            declaration=self.declaration.isChecked(),
            pin=self.pin.text(),
            confirm_pin=self.confirm_pin.text(),
        )

    def _save(self) -> None:
        staff_id, data = self.status.staff_id, self.form_data()
        self.saving.run(lambda: self.service.record(self.actor, staff_id, data), self._saved)

    def _saved(self, status: LoneWorkingStatus) -> None:
        self.saved = status
        self.accept()


class LoneWorkingDialog(QDialog):
    """Every active member of staff with their lone-working position, kept current from here."""

    def __init__(
        self,
        service: LoneWorkingService,
        actor: Actor,
        mobiles: dict[int, str],
        select_staff_id: int | None = None,
        parent: QWidget | None = None,
        writer: Worker | None = None,
        reader: Worker | None = None,
        read_mobiles: Callable[[], dict[int, str]] | None = None,
    ) -> None:
        """`reader`: the window's reader (the list and each person's history are read there);
        `read_mobiles`: staff mobiles to offer when signing, read there with the list."""
        super().__init__(parent)
        self.service, self.actor, self.mobiles = service, actor, mobiles
        self.read_mobiles = read_mobiles
        self.reads = LatestRead(self, reader, "the assessments")
        self.history_reads = LatestRead(self, reader, "the history", loading="")
        # a reveal is audited (a write): on the window's write worker
        self.writer = writer if writer is not None else Worker(self, finish_queued=True)
        self.sign_dialog: SignLoneWorkingDialog | None = None
        self.setWindowTitle("Lone working assessments")
        self.model: RowTableModel[LoneWorkingStatus] = RowTableModel(COLUMNS, self)
        self.table = tab_leaves(QTableView())
        self.table.setModel(self.model)
        self.table.setAccessibleName("Lone working assessments")
        self.table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.history = QListWidget()
        self.history.setAccessibleName("Signed assessments for the selected person")
        self.history.setMaximumHeight(110)
        self.sign_button = QPushButton("Sign new assessment…")
        self.sign_button.setAccessibleName("Sign new lone working assessment")
        self.sign_button.clicked.connect(self.sign_selected)
        self.reveal_button = QPushButton("Reveal safe word…")
        self.reveal_button.setAccessibleName("Reveal safe word")
        self.reveal_button.clicked.connect(self.reveal_selected)
        self.may_reveal = actor.role in (Role.OFFICE.value, Role.APPROVER.value)
        if not self.may_reveal:
            self.reveal_button.setToolTip("Only office users and approvers can reveal a safe word")
        self.note = QLabel(
            "Safe words are hidden everywhere. 'Reveal safe word…' shows one to an office user or "
            "approver and is recorded in the audit trail."
        )
        self.note.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.sign_button)
        buttons.addWidget(self.reveal_button)
        buttons.addStretch(1)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(self.reads.line)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(QLabel("History for the selected person:"))
        layout.addWidget(self.history)
        layout.addWidget(self.history_reads.line)
        layout.addWidget(close)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selected())
        self.resize(940, 560)
        self.refresh(select_staff_id)

    def refresh(self, select_staff_id: int | None = None) -> None:
        """Read on the reader; the list keeps its last rows meanwhile."""
        current = select_staff_id or (s.staff_id if (s := self.selected()) else None)
        service, mobiles = self.service, self.read_mobiles

        def read() -> tuple[list[LoneWorkingStatus], dict[int, str] | None]:
            return service.overview(), mobiles() if mobiles is not None else None

        self.reads.read(read, lambda got: self._show(*got, current))

    def _show(
        self, rows: list[LoneWorkingStatus], mobiles: dict[int, str] | None, current: int | None
    ) -> None:
        if mobiles is not None:
            self.mobiles = mobiles
        self.model.set_rows(rows)
        for row, status in enumerate(self.model.rows()):
            if status.staff_id == current:
                self.table.selectRow(row)
                break
        self._selected()

    def selected(self) -> LoneWorkingStatus | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].data(ObjectRole) if rows else None

    def _selected(self) -> None:
        status = self.selected()
        self.sign_button.setEnabled(status is not None)
        self.reveal_button.setEnabled(
            status is not None and status.assessment_id is not None and self.may_reveal
        )
        self.history.clear()
        if status is None:
            return
        staff_id = status.staff_id
        self.history_reads.read(lambda: self.service.history(staff_id), self._show_history)

    def _show_history(self, items: list[LoneWorkingStatus]) -> None:
        self.history.clear()
        for item in items:
            self.history.addItem(
                f"Signed {fmt_date(item.signed_on)}: mobile {display_phone(item.mobile)}, safe "
                f"word {MASK} — {item.text}"
            )
        if not self.history.count():
            self.history.addItem("None signed yet.")

    def sign_selected(self) -> None:
        status = self.selected()
        if status is None:
            return
        today = london(self.service.clock.now()).date()
        self.sign_dialog = SignLoneWorkingDialog(
            self.service,
            self.actor,
            status,
            status.mobile or self.mobiles.get(status.staff_id, ""),
            today,
            self,
        )
        if self.sign_dialog.exec():
            self.refresh(status.staff_id)

    def reveal_selected(self) -> None:
        status = self.selected()
        if status is None:
            return
        if not dialogs.confirm(
            self,
            "Reveal safe word",
            f"Show {status.staff_name}'s safe word? The reveal is recorded in the audit trail "
            "with your name.",
        ):
            return
        actor, staff_id = self.actor, status.staff_id
        write_then_show(
            self,
            self.writer,
            lambda: self.service.reveal_safe_word(actor, staff_id),
            self._show_safe_word,
            title="Safe word not shown",
            what="reveal",
        )

    def _show_safe_word(self, revealed: RevealedSafeWord) -> None:
        """Shown only once the reveal is recorded in the audit trail."""
        old = "" if revealed.current else "\n\nThis assessment is out of date: sign a new one."
        dialogs.inform(
            dialogs.alive(self),  # this dialog may be closed (deleted) before the reveal is recorded
            f"Safe word for {revealed.staff_name}",
            f"{revealed.staff_name}'s safe word is:\n\n    {revealed.safe_word}\n\n"
            f"(signed {fmt_date(revealed.signed_on)}). This reveal has been recorded.{old}",
        )
