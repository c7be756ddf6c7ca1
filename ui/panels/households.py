"""Households screen: homes and pupils, with known risks kept as history.

The list pages (fetchMore) on the background worker, searched and sorted by the database, and the
selected household's details are read there too: the GUI thread never waits for either, however
many homes a school has, and nothing is read until the screen is opened.
"""

from __future__ import annotations

from collections.abc import Callable

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
    QTableView,
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
from hvdesk.services.household_list import (
    PAGE_SIZE,
    HouseholdFilter,
    HouseholdList,
    HouseholdListRow,
    HouseholdSort,
)
from hvdesk.services.households import (
    RISK_LABELS,
    HouseholdInput,
    HouseholdService,
    PupilInput,
    current_risks,
)
from ui import dialogs
from ui.a11y import ValueLabel, tab_leaves
from ui.dialog_save import DialogSave
from ui.forms import error_banner, lay_out_edit_dialog
from ui.models.paged import PagedTableModel
from ui.models.table import Column, ObjectRole
from ui.worker import Worker

COLUMNS: list[Column[HouseholdListRow]] = [
    Column("Household", lambda h: h.name),
    Column("Pupils", lambda h: h.pupils),
    Column("Address", lambda h: h.address),
    Column("Phone", lambda h: h.phone),
    Column("Known risks", lambda h: h.risks),
    Column("Status", lambda h: h.status),
]
# each header's column as the database orders it
SORT_KEYS = {
    0: HouseholdSort.NAME,
    1: HouseholdSort.PUPILS,
    2: HouseholdSort.ADDRESS,
    3: HouseholdSort.PHONE,
    4: HouseholdSort.RISKS,
    5: HouseholdSort.STATUS,
}


class HouseholdDialog(QDialog):
    def __init__(
        self,
        service: HouseholdService,
        actor: Actor,
        household: Household | None = None,
        parent=None,
        writer: Worker | None = None,
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
        self.saving = DialogSave(self, self.banner, self.fields, "household", writer)
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
        """Saved on a write worker (ui/dialog_save.py): 'Saving…', then closed once recorded."""
        data, known = self.form_data(), self.household
        if known is None:
            self.saving.run(lambda: self.service.create(self.actor, data), self._saved)
        else:
            self.saving.run(lambda: self.service.update(self.actor, known.id, data), self._saved)

    def _saved(self, row: Household) -> None:
        self.saved = row
        self.accept()


class RiskDialog(QDialog):
    """Record a newly known risk; the household's assessment is then flagged for review."""

    def __init__(
        self,
        service: HouseholdService,
        actor: Actor,
        household: Household,
        parent: QWidget | None = None,
        writer: Worker | None = None,
    ) -> None:
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
        fields = {"Risk kind": self.kind, "Risk description": self.description}
        self.saving = DialogSave(self, self.banner, fields, "known risk", writer)

    def _save(self) -> None:
        """Saved on the write worker (ui/dialog_save.py), closed once recorded."""
        household_id, kind = self.household.id, self.kind.currentData()
        text = self.description.toPlainText()
        self.saving.run(
            lambda: self.service.add_risk(self.actor, household_id, kind, text),
            lambda _risk: self.accept(),
        )


class HouseholdsPanel(QWidget):
    changed = Signal()

    def __init__(
        self,
        service: HouseholdService,
        actor: Actor,
        parent: QWidget | None = None,
        *,
        worker: Worker | None = None,
        writer: Worker | None = None,
    ) -> None:
        super().__init__(parent)
        self.service, self.actor, self.writer = service, actor, writer
        self.household_list = HouseholdList(service.db, service.clock)
        self.worker = worker or Worker(self)
        self.filter = HouseholdFilter()
        self._selected_id: int | None = None
        self._loaded_filter: HouseholdFilter | None = None  # the filter the rows held were read by
        self._household: Household | None = None  # the selected one, whole (read on the worker)
        self.model: PagedTableModel[HouseholdListRow] = PagedTableModel(
            COLUMNS, self.worker, PAGE_SIZE, self
        )
        self.model.sort_requested.connect(self._sort)
        self.model.page_loaded.connect(self._page_loaded)
        self.model.failed.connect(self._load_failed)
        self.table = self._build_table()
        self.table.doubleClicked.connect(lambda _i: self.edit_selected())
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search households, pupils, postcodes, phones, risks…")
        self.search.setAccessibleName("Search households")
        self.search.textChanged.connect(lambda _t: self.refresh())
        self.show_inactive = QCheckBox("Show deactivated")
        self.show_inactive.toggled.connect(lambda _c: self.refresh())
        self.count_label = ValueLabel("Households shown")  # read with its count, 'Loading…'
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
            self.count_label,
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
        self.banner = error_banner()
        self.saving = DialogSave(
            self,
            self.banner,
            {},
            "change",
            writer,
            buttons=[self.active_button, self.end_risk_button],
        )
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.banner)
        layout.addWidget(splitter)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._selection_moved())
        self._show_household(None)  # read when first shown (MainWindow refreshes a shown screen)

    def _build_table(self) -> QTableView:
        table = QTableView()
        table.setModel(self.model)
        table.setSelectionBehavior(QTableView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QTableView.SelectionMode.SingleSelection)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        header.setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        table.setSortingEnabled(True)  # the header asks the model, the model asks the database
        table.setAccessibleName("Households list")
        return tab_leaves(table)

    # --- loading ---------------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the list for the search typed (the window calls this when shown and on every
        change from any seat). Only a new search, order or "Show deactivated" starts again from
        the first page; otherwise the rows held are read again in place, so the list keeps its
        scroll position and the selected household stays selected."""
        current = self.selected()
        if current is not None:
            self._selected_id = current.id
        self.filter = HouseholdFilter(
            search=self.search.text(),
            include_inactive=self.show_inactive.isChecked(),
            sort=self.filter.sort,
            descending=self.filter.descending,
        )
        if self.filter == self._loaded_filter:
            self.model.reload()
            return
        flt, households = self.filter, self.household_list
        self._loaded_filter = flt
        self.count_label.setText("Loading…")
        self.model.load(lambda offset, limit: households.page(flt, offset, limit))
        self._show_household(None)  # until the selected one's row (and details) arrive again

    def _sort(self, column: int, order: Qt.SortOrder) -> None:
        self.filter = HouseholdFilter(
            search=self.filter.search,
            include_inactive=self.filter.include_inactive,
            sort=SORT_KEYS.get(column, HouseholdSort.NAME),
            descending=order == Qt.SortOrder.DescendingOrder,
        )
        if self.isVisible():
            self.refresh()

    def _page_loaded(self, count: int) -> None:
        more = "" if self.model.complete else "+"
        noun = "household" if count == 1 and not more else "households"
        self.count_label.setText(f"{count}{more} {noun}")
        if self._selected_id is None:
            return
        current = self.selected()
        if current is not None and current.id != self._selected_id:
            self.table.clearSelection()  # rows read again in place: another home now on that row
        if not self.table.selectionModel().hasSelection():
            self.select_id(self._selected_id)

    def _load_failed(self, message: str) -> None:
        self.count_label.setText(f"Could not load households ({message})")

    def select_id(self, household_id: int) -> None:
        """Select the household if its row is held (it is kept selected as more pages arrive)."""
        self._selected_id = household_id
        for row in range(self.model.rowCount()):
            if self.model.row_object(row).id == household_id:
                self.table.selectRow(row)
                return

    def selected(self) -> HouseholdListRow | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].data(ObjectRole) if rows else None

    def _selection_moved(self) -> None:
        """Another row selected: its details are read on the worker; buttons wait for them."""
        row = self.selected()
        self._show_household(None)
        if row is None:
            return
        self._selected_id = row.id
        self.detail.setText(f"{row.name}\nLoading…")
        service, wanted = self.service, row.id
        self.worker.submit(
            lambda: service.get(wanted),
            lambda household: self._details_arrived(wanted, household),
            lambda message: self._details_failed(wanted, message),
        )

    def _details_arrived(self, household_id: int, household: Household) -> None:
        row = self.selected()
        if row is not None and row.id == household_id:  # not another selected meanwhile
            self._show_household(household)

    def _details_failed(self, household_id: int, message: str) -> None:
        row = self.selected()
        if row is not None and row.id == household_id:
            self.detail.setText(f"Could not read this household ({message.splitlines()[0]})")

    def _show_household(self, h: Household | None) -> None:
        self._household = h
        for button in (self.edit_button, self.active_button, self.add_risk_button):
            button.setEnabled(h is not None)
        self.risks.clear()
        if h is None:
            self.detail.setText("Select a household to see its pupils and known risks.")
            self.end_risk_button.setEnabled(False)
            return
        self.active_button.setText("Reactivate" if not h.active else "Deactivate")
        self.detail.setText(_details(h))
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

    # --- changes (dialogs; each change is one service call) --------------------------------
    def add(self) -> None:
        dialog = HouseholdDialog(self.service, self.actor, parent=self, writer=self.writer)
        if dialog.exec():
            if dialog.saved:
                self._selected_id = dialog.saved.id
                self.table.clearSelection()
            self.refresh()
            self.changed.emit()

    def edit_selected(self) -> None:
        h = self._household
        if h is None:
            return
        dialog = HouseholdDialog(self.service, self.actor, h, parent=self, writer=self.writer)
        if dialog.exec():
            self._reread()
            self.changed.emit()

    def toggle_active(self) -> bool:
        """Written on the write worker; False when nothing was sent."""
        h = self._household
        if h is None or self.saving.busy:
            return False
        verb = "Reactivate" if not h.active else "Deactivate"
        if not dialogs.confirm(self, f"{verb} household", f"{verb} {h.name}? Nothing is deleted."):
            return False
        household_id, active = h.id, not h.active
        return self._change(lambda: self.service.set_active(self.actor, household_id, active))

    def add_risk(self) -> None:
        h = self._household
        if h is None:
            return
        if RiskDialog(self.service, self.actor, h, parent=self, writer=self.writer).exec():
            self._reread()
            self.changed.emit()

    def end_risk(self) -> bool:
        """Written on the write worker; False when nothing was sent."""
        item = self.risks.currentItem()
        risk_id = item.data(Qt.ItemDataRole.UserRole) if item else None
        if risk_id is None:
            dialogs.inform(self, "Choose a risk", "Select a current risk in the list first.")
            return False
        if self.saving.busy or not dialogs.confirm(
            self, "Risk no longer applies", "Mark this risk as ended? It stays in the history."
        ):
            return False
        return self._change(lambda: self.service.end_risk(self.actor, risk_id))

    def _change(self, write: Callable[[], object]) -> bool:
        """One change to the selected household, then it is read again."""

        def changed(_result: object) -> None:
            self._reread()
            self.changed.emit()

        def refused(err: HvdeskError) -> None:
            dialogs.inform(self, "Not changed", str(err), "warning")
            self._reread()

        return self.saving.run(write, changed, refused)

    def _reread(self) -> None:
        """After a change: the rows held read again in place (scroll and selection kept, however
        far down the household is) and the selected household's details read again."""
        self.refresh()
        self._selection_moved()


def _details(h: Household) -> str:
    """The side panel's words for a household: who lives there, who to call, what to know."""
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
    return "\n".join(lines)
