"""Households screen: homes and pupils, with known risks kept as history."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from hvdesk.clock import fmt_date
from hvdesk.errors import HvdeskError
from hvdesk.models import Household, RiskKind
from hvdesk.rules.validation import display_phone
from hvdesk.services.base import Actor
from hvdesk.services.households import (
    RISK_LABELS,
    HouseholdInput,
    HouseholdService,
    PupilInput,
    current_risks,
)
from ui import dialogs
from ui.a11y import tab_leaves
from ui.forms import clear_errors, error_banner, lay_out_edit_dialog, show_errors
from ui.list_view import filter_box, filtered_table
from ui.models.table import Column, ObjectRole, RowTableModel

COLUMNS: list[Column[Household]] = [
    Column("Household", lambda h: h.name),
    Column("Pupils", lambda h: ", ".join(p.name for p in h.pupils if p.active)),
    Column("Address", lambda h: h.one_line_address),
    Column("Phone", lambda h: display_phone(h.phone)),
    Column(
        "Known risks",
        lambda h: (
            ", ".join(RISK_LABELS[RiskKind(r.kind)].split(" (")[0] for r in current_risks(h))
            or "None recorded"
        ),
    ),
    Column(
        "Status",
        lambda h: (
            ("Review assessment" if h.assessment_needs_review else "Active")
            if h.active
            else "Deactivated"
        ),
    ),
]


class HouseholdDialog(QDialog):
    def __init__(
        self,
        service: HouseholdService,
        actor: Actor,
        household: Household | None = None,
        parent=None,
    ) -> None:
        super().__init__(parent)
        self.service, self.actor, self.household = service, actor, household
        self.saved: Household | None = None
        self.setWindowTitle("Edit household" if household else "Add household")
        self.setMinimumWidth(560)
        self.name = QLineEdit()
        self.name.setPlaceholderText("e.g. Begum family")
        self.address = QPlainTextEdit()
        self.address.setTabChangesFocus(True)  # Tab moves on; the text takes no tab characters
        self.address.setFixedHeight(70)
        self.postcode = QLineEdit()
        self.postcode.setPlaceholderText("B17 0AB")
        self.phone = QLineEdit()
        self.parents = QLineEdit()
        self.sw_name = QLineEdit()
        self.sw_phone = QLineEdit()
        self.notes = QPlainTextEdit()
        self.notes.setTabChangesFocus(True)  # Tab moves on; the text takes no tab characters
        self.notes.setFixedHeight(50)
        self.pupils = tab_leaves(QTableWidget(0, 5))
        self.pupils.setHorizontalHeaderLabels(
            ["Pupil name", "Year group", "UPN", "Admission no.", "Safeguarding flag"]
        )
        self.pupils.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.pupils.setAccessibleName("Pupils")
        self.pupils.setFixedHeight(110)
        add_pupil = QPushButton("Add pupil")
        add_pupil.clicked.connect(lambda: self._add_pupil_row(PupilInput()))
        remove_pupil = QPushButton("Remove pupil")
        remove_pupil.clicked.connect(lambda: self.pupils.removeRow(self.pupils.currentRow()))
        self.fields: dict[str, QWidget] = {
            "Household name": self.name,
            "Address": self.address,
            "Postcode": self.postcode,
            "Home phone": self.phone,
            "Parents/carers": self.parents,
            "Social worker": self.sw_name,
            "Social worker phone": self.sw_phone,
            "Notes": self.notes,
        }
        form = QFormLayout()
        for label, widget in self.fields.items():
            widget.setAccessibleName(label)
            form.addRow(f"{label}:", widget)
        pupil_buttons = QHBoxLayout()
        pupil_buttons.addWidget(add_pupil)
        pupil_buttons.addWidget(remove_pupil)
        pupil_buttons.addStretch()
        form.addRow("Pupils:", self.pupils)
        form.addRow("", pupil_buttons)
        self.banner = error_banner()
        lay_out_edit_dialog(self, form, self._save, self.banner)
        if household:
            data = HouseholdInput.from_household(household)
            self.name.setText(data.name)
            self.address.setPlainText(data.address)
            self.postcode.setText(data.postcode)
            self.phone.setText(data.phone)
            self.parents.setText(data.parents_carers)
            self.sw_name.setText(data.social_worker_name)
            self.sw_phone.setText(data.social_worker_phone)
            self.notes.setPlainText(data.notes)
            for pupil in data.pupils:
                self._add_pupil_row(pupil)
        else:
            self._add_pupil_row(PupilInput())

    def _add_pupil_row(self, pupil: PupilInput) -> None:
        row = self.pupils.rowCount()
        self.pupils.insertRow(row)
        name = QTableWidgetItem(pupil.name)
        name.setData(Qt.ItemDataRole.UserRole, pupil.id)
        self.pupils.setItem(row, 0, name)
        self.pupils.setItem(row, 1, QTableWidgetItem(pupil.year_group))
        self.pupils.setItem(row, 2, QTableWidgetItem(pupil.upn))
        self.pupils.setItem(row, 3, QTableWidgetItem(pupil.admission_number))
        flag = QTableWidgetItem("flag")
        flag.setFlags(flag.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        flag.setCheckState(
            Qt.CheckState.Checked if pupil.safeguarding_flag else Qt.CheckState.Unchecked
        )
        self.pupils.setItem(row, 4, flag)

    def form_data(self) -> HouseholdInput:
        pupils = []
        for row in range(self.pupils.rowCount()):
            name = self.pupils.item(row, 0)
            cells = [self.pupils.item(row, c) for c in (1, 2, 3)]
            year, upn, adno = (c.text() if c else "" for c in cells)
            flag = self.pupils.item(row, 4)
            pupils.append(
                PupilInput(
                    name.text() if name else "",
                    year,
                    name.data(Qt.ItemDataRole.UserRole) if name else None,
                    upn,
                    adno,
                    flag is not None and flag.checkState() == Qt.CheckState.Checked,
                )
            )
        return HouseholdInput(
            name=self.name.text(),
            address=self.address.toPlainText(),
            postcode=self.postcode.text(),
            phone=self.phone.text(),
            parents_carers=self.parents.text(),
            social_worker_name=self.sw_name.text(),
            social_worker_phone=self.sw_phone.text(),
            notes=self.notes.toPlainText(),
            pupils=pupils,
        )

    def _save(self) -> None:
        clear_errors(self.banner, self.fields)
        try:
            if self.household is None:
                self.saved = self.service.create(self.actor, self.form_data())
            else:
                self.saved = self.service.update(self.actor, self.household.id, self.form_data())
        except HvdeskError as err:
            show_errors(self.banner, self.fields, err)
            return
        self.accept()


class RiskDialog(QDialog):
    """Record a newly known risk; the household's assessment is then flagged for review."""

    def __init__(self, service: HouseholdService, actor: Actor, household: Household, parent=None):
        super().__init__(parent)
        self.service, self.actor, self.household = service, actor, household
        self.setWindowTitle(f"Known risk at {household.name}")
        self.kind = QComboBox()
        for kind, label in RISK_LABELS.items():
            self.kind.addItem(label, kind.value)
        self.kind.setAccessibleName("Risk kind")
        self.description = QPlainTextEdit()
        self.description.setTabChangesFocus(True)  # Tab moves on; the text takes no tab characters
        self.description.setAccessibleName("Risk description")
        self.description.setFixedHeight(80)
        self.banner = error_banner()
        form = QFormLayout()
        form.addRow("Kind:", self.kind)
        form.addRow("What is known:", self.description)
        lay_out_edit_dialog(self, form, self._save, self.banner)

    def _save(self) -> None:
        fields = {"Risk kind": self.kind, "Risk description": self.description}
        try:
            self.service.add_risk(
                self.actor,
                self.household.id,
                self.kind.currentData(),
                self.description.toPlainText(),
            )
        except HvdeskError as err:
            show_errors(self.banner, fields, err)
            return
        self.accept()


class HouseholdsPanel(QWidget):
    changed = Signal()

    def __init__(self, service: HouseholdService, actor: Actor, parent=None) -> None:
        super().__init__(parent)
        self.service, self.actor = service, actor
        self.model: RowTableModel[Household] = RowTableModel(COLUMNS, self)
        self.table, self.proxy = filtered_table(
            self.model, "Households list", self, QHeaderView.ResizeMode.Interactive
        )
        self.table.doubleClicked.connect(lambda _i: self.edit_selected())
        self.search = filter_box(
            self.proxy, "Search households, pupils, postcodes…", "Search households"
        )
        self.show_inactive = QCheckBox("Show deactivated")
        self.show_inactive.toggled.connect(lambda _c: self.refresh())
        self.add_button = QPushButton("Add household…")
        self.add_button.clicked.connect(self.add)
        self.edit_button = QPushButton("Edit…")
        self.edit_button.clicked.connect(self.edit_selected)
        self.active_button = QPushButton("Deactivate")
        self.active_button.clicked.connect(self.toggle_active)
        bar = QHBoxLayout()
        for w in (
            self.search,
            self.show_inactive,
            self.add_button,
            self.edit_button,
            self.active_button,
        ):
            bar.addWidget(w)

        self.detail = QLabel("Select a household to see its pupils and known risks.")
        self.detail.setWordWrap(True)
        self.detail.setTextFormat(Qt.TextFormat.PlainText)
        self.detail.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        self.risks = QListWidget()
        self.risks.setAccessibleName("Known risks")
        self.add_risk_button = QPushButton("Add known risk…")
        self.add_risk_button.clicked.connect(self.add_risk)
        self.end_risk_button = QPushButton("Risk no longer applies")
        self.end_risk_button.clicked.connect(self.end_risk)
        side = QWidget()
        side_layout = QVBoxLayout(side)
        side_layout.addWidget(self.detail)
        side_layout.addWidget(QLabel("Known risks (history kept):"))
        side_layout.addWidget(self.risks)
        risk_buttons = QHBoxLayout()
        risk_buttons.addWidget(self.add_risk_button)
        risk_buttons.addWidget(self.end_risk_button)
        side_layout.addLayout(risk_buttons)

        splitter = QSplitter()
        splitter.addWidget(self.table)
        splitter.addWidget(side)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(splitter)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._show_selected())
        # read when first shown: MainWindow refreshes a screen as it is shown, not at start-up

    def refresh(self) -> None:
        current = self.selected()
        self.model.set_rows(self.service.list(include_inactive=self.show_inactive.isChecked()))
        if current is not None:
            self.select_id(current.id)
        self._show_selected()

    def select_id(self, household_id: int) -> None:
        for row in range(self.proxy.rowCount()):
            index = self.proxy.index(row, 0)
            if index.data(ObjectRole).id == household_id:
                self.table.selectRow(row)
                return

    def selected(self) -> Household | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].data(ObjectRole) if rows else None

    def _show_selected(self) -> None:
        h = self.selected()
        for button in (self.edit_button, self.active_button, self.add_risk_button):
            button.setEnabled(h is not None)
        self.risks.clear()
        if h is None:
            self.detail.setText("Select a household to see its pupils and known risks.")
            self.end_risk_button.setEnabled(False)
            return
        self.active_button.setText("Reactivate" if not h.active else "Deactivate")
        lines = [
            h.name,
            h.one_line_address,
            f"Phone: {display_phone(h.phone) or 'none'}",
            f"Parents/carers: {h.parents_carers or 'not recorded'}",
        ]
        if h.social_worker_name:
            lines.append(
                f"Social worker: {h.social_worker_name} {display_phone(h.social_worker_phone)}"
            )
        pupils = ", ".join(f"{p.name} ({p.year_group})" for p in h.pupils if p.active)
        lines.append(f"Pupils: {pupils or 'none'}")
        if h.assessment_needs_review:
            lines.append("⚠ Risk assessment needs review: a new risk has been recorded.")
        if h.notes:
            lines.append(f"Notes: {h.notes}")
        self.detail.setText("\n".join(lines))
        for risk in sorted(h.risks, key=lambda r: r.recorded_at, reverse=True):
            label = RISK_LABELS[RiskKind(risk.kind)]
            status = f"ended {fmt_date(risk.ended_at)}" if risk.ended_at else "current"
            item = QListWidgetItem(
                f"{label}: {risk.description} — recorded {fmt_date(risk.recorded_at)} by "
                f"{risk.recorded_by or 'unknown'} ({status})"
            )
            item.setData(Qt.ItemDataRole.UserRole, risk.id if not risk.ended_at else None)
            self.risks.addItem(item)
        self.end_risk_button.setEnabled(bool(current_risks(h)))

    def add(self) -> None:
        dialog = HouseholdDialog(self.service, self.actor, parent=self)
        if dialog.exec():
            self.refresh()
            if dialog.saved:
                self.select_id(dialog.saved.id)
            self.changed.emit()

    def edit_selected(self) -> None:
        h = self.selected()
        if h is None:
            return
        dialog = HouseholdDialog(self.service, self.actor, h, parent=self)
        if dialog.exec():
            self.refresh()
            self.changed.emit()

    def toggle_active(self) -> None:
        h = self.selected()
        if h is None:
            return
        verb = "Reactivate" if not h.active else "Deactivate"
        if not dialogs.confirm(self, f"{verb} household", f"{verb} {h.name}? Nothing is deleted."):
            return
        self.service.set_active(self.actor, h.id, not h.active)
        self.refresh()
        self.changed.emit()

    def add_risk(self) -> None:
        h = self.selected()
        if h is None:
            return
        if RiskDialog(self.service, self.actor, h, parent=self).exec():
            self.refresh()
            self.changed.emit()

    def end_risk(self) -> None:
        item = self.risks.currentItem()
        risk_id = item.data(Qt.ItemDataRole.UserRole) if item else None
        if risk_id is None:
            dialogs.inform(self, "Choose a risk", "Select a current risk in the list first.")
            return
        if dialogs.confirm(
            self, "Risk no longer applies", "Mark this risk as ended? It stays in the history."
        ):
            self.service.end_risk(self.actor, risk_id)
            self.refresh()
