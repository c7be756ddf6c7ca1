"""Book or edit a visit: household search as you type, policy defaults, every problem shown at once.

The form only gathers what was typed; BookingService checks it (the same rules it enforces when
saving). As the user edits, clashes, time problems and warnings (evening, out of hours, lone visit)
show live under the form; the out-of-hours reason and responsible contact, and the lone visit
reason, appear only when the visit needs them. Warnings are confirmed before saving.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time

from PySide6.QtCore import QDate, QSignalBlocker, Qt, QTime, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from hvdesk.clock import Clock, from_london, london
from hvdesk.errors import ValidationError
from hvdesk.models import (
    PURPOSE_LABELS,
    EscalationContact,
    Household,
    Purpose,
    Staff,
    Visit,
    VisitStatus,
)
from hvdesk.policy import PolicySettings
from hvdesk.rules import booking as rules
from hvdesk.rules.booking import BookingCheck, BookingInput
from hvdesk.rules.known_risks import current_risks, risk_summary
from hvdesk.rules.validation import display_phone
from hvdesk.services.base import Actor
from hvdesk.services.booking import BookingResult, BookingService
from hvdesk.services.households import HouseholdService
from hvdesk.services.notifications import NotificationService
from hvdesk.services.staff import StaffService
from ui import dialogs
from ui.a11y import DateEdit, ValueLabel, ink, name_clear_button
from ui.dialog_save import DialogSave
from ui.forms import error_banner, qdate_value, qtime_value, show_errors
from ui.screen_reads import LatestRead
from ui.worker import Worker

LIVE_FIELDS = {
    rules.F_DEPARTURE,
    rules.F_START,
    rules.F_END,
    rules.F_RETURN,
    rules.F_LEAD,
    rules.F_COMPANION,
    rules.F_VEHICLE,
}
MAX_MATCHES = 50
LIVE_CHECK_MS = 250  # the live check waits this long after the last change


@dataclass
class BookingDeps:
    """What the dialog needs, and nothing more."""

    booking: BookingService
    households: HouseholdService
    staff: StaffService
    clock: Clock
    # Escalation contacts who may be an out-of-hours responsible contact (default: all active).
    contacts: Callable[[], list[EscalationContact]] | None = None


@dataclass
class BookingRead:
    """Everything the form shows before anything is typed, read on the reader before it opens
    (the GUI thread never waits for the database to open a booking)."""

    policy: PolicySettings
    households: list[Household]
    staff: list[Staff]
    contacts: list[EscalationContact]
    approver: str = ""
    visit: Visit | None = None


def read_for_booking(
    deps: BookingDeps, visit: Visit | None = None, approver: Callable[[], str] | None = None
) -> BookingRead:
    """On the reader: the policy, the households (with the visit's own, even if inactive), the
    staff, the people who may be the out-of-hours contact and who approves."""
    households = deps.households.list()
    if visit is not None and all(h.id != visit.household_id for h in households):
        households.append(deps.households.get(visit.household_id))
    load = deps.contacts or NotificationService(deps.booking.db, deps.clock).contacts
    return BookingRead(
        deps.booking.policy(),
        households,
        deps.staff.list(include_inactive=True),
        load(),
        approver() if approver is not None else "",
        visit,
    )


def household_line(h: Household) -> str:
    pupils = ", ".join(p.name for p in h.pupils if p.active)
    return f"{h.name} — {h.one_line_address}" + (f" (pupils: {pupils})" if pupils else "")


def matches(h: Household, text: str) -> bool:
    """Search as you type: family name, address, postcode or a pupil's name, any word order."""
    hay = " ".join(
        [h.name, h.address, h.postcode, h.postcode.replace(" ", "")]
        + [p.name for p in h.pupils if p.active]
    ).lower()
    return all(word in hay for word in text.lower().split())


def _qtime(value: datetime) -> QTime:
    local = london(value)
    return QTime(local.hour, local.minute)


class BookingDialog(QDialog):
    """New visit (visit=None) or edit. `saved` carries the visit id once saved."""

    saved = Signal(int)

    def __init__(
        self,
        deps: BookingDeps,
        actor: Actor,
        *,
        visit: Visit | None = None,
        start: datetime | None = None,
        lead_staff_id: int | None = None,
        parent: QWidget | None = None,
        approver: str = "",
        writer: Worker | None = None,
        reader: Worker | None = None,
        read: BookingRead | None = None,
    ) -> None:
        """`reader`: the window's reader, for the live checks (a worker of its own without).
        `read`: what the form shows, read on the reader first (read_for_booking); a form built
        on its own (a tool, a test) reads it here."""
        super().__init__(parent)
        read = read or read_for_booking(deps, visit)
        self.deps, self.actor, self.visit = deps, actor, visit
        self.policy: PolicySettings = read.policy
        # who will see it in their queue ('Linda Francis (Headteacher)'), said once it is sent
        self.approver = approver or read.approver or f"the {self.policy.approver_title}"
        self.result_message = ""
        self.assess_next = False  # 'Book and assess now': the risk assessment opens next
        self.last_check: BookingCheck | None = None
        self._loading = True
        self.setWindowTitle(f"Edit visit {visit.id}" if visit else "New visit")
        self.setAccessibleName(self.windowTitle())
        self.setMinimumWidth(940)

        self._writer = writer
        self.live_checks = LatestRead(self, reader, "the checks", loading="")
        self._check_soon = QTimer(self)  # the live check waits for a pause in the typing
        self._check_soon.setSingleShot(True)
        self._check_soon.setInterval(LIVE_CHECK_MS)
        self._check_soon.timeout.connect(self.check_now)
        self._households = read.households
        self._staff: list[Staff] = read.staff
        self._contacts = read.contacts
        self._build()
        if visit is not None:
            self._load(BookingInput.from_visit(visit))
        else:
            self._new(start, lead_staff_id)
        self._loading = False
        self.check_now()

    # --- building ------------------------------------------------------------------------------
    def _build(self) -> None:
        """Every field, box and button, then how they react (built in this order: the order Tab
        moves through them)."""
        self.banner = error_banner()
        self.note = ValueLabel("About this visit")
        self.note.setWordWrap(True)
        self.note.setStyleSheet("background: #fff4d6; border: 1px solid #8a5a00; padding: 6px;")
        self.note.hide()

        left_box = self._who_and_why()
        right_box = self._when_and_who_goes()
        self.checks = ValueLabel("Checks")
        self.checks.setWordWrap(True)
        self.checks.setTextFormat(Qt.TextFormat.PlainText)
        self.checks.setStyleSheet("padding: 4px;")

        self._build_buttons()

        columns = QHBoxLayout()
        columns.addWidget(left_box, 1)
        columns.addWidget(right_box, 1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.note)
        layout.addLayout(columns)
        layout.addWidget(self.live_checks.line)
        layout.addWidget(self.checks)
        layout.addWidget(self.buttons)

        self.fields: dict[str, QWidget] = self._field_widgets()
        self.saving = DialogSave(self, self.banner, self.fields, "visit", self._writer)
        self._connect()
        self._household: Household | None = None
        self._last_start = QTime(10, 0)
        self._last_end = QTime(10, 45)

    def _who_and_why(self) -> QGroupBox:
        """The household (searched for), its pupil, the purpose, announced or not, and notes."""
        self.search = QLineEdit()
        self.search.setPlaceholderText("Type a family name, address, postcode or pupil…")
        self.search.setAccessibleName("Household")
        self.search.setClearButtonEnabled(True)
        name_clear_button(self.search, "Clear the household search")
        self.results = QListWidget()
        self.results.setAccessibleName("Matching households")
        self.results.setMaximumHeight(110)
        self.results.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.results.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.chosen = ValueLabel("Chosen household", "No household chosen")
        self.chosen.setWordWrap(True)
        self.risks = ValueLabel("Known risks at the address")
        self.risks.setWordWrap(True)
        self.pupil = QComboBox()
        self.pupil.setAccessibleName("Pupil")
        self.purpose = QComboBox()
        self.purpose.setAccessibleName("Purpose")
        self.purpose.addItem("Choose a purpose…", "")
        for purpose, text in PURPOSE_LABELS.items():
            self.purpose.addItem(text, purpose.value)
        self.purpose_other = QLineEdit()
        self.purpose_other.setAccessibleName("Other purpose")
        self.purpose_other.setPlaceholderText("Describe the purpose")
        self.announced = QRadioButton("Announced")
        self.announced.setToolTip("The family is told in advance (normally in writing)")
        self.announced.setAccessibleName("Announced")
        self.unannounced = QRadioButton("Unannounced")
        self.unannounced.setAccessibleName("Unannounced")
        self._announce_group = QButtonGroup(self)
        self._announce_group.addButton(self.announced)
        self._announce_group.addButton(self.unannounced)
        self.announced.setChecked(True)
        announce_row = self._announce_row()
        self.notes = QPlainTextEdit()
        self.notes.setTabChangesFocus(True)  # Tab moves on; the text takes no tab characters
        self.notes.setAccessibleName("Notes before the visit")
        self.notes.setPlaceholderText("For staff: parking, who else is at home, interpreter…")
        self.notes.setFixedHeight(56)

        left_box = QGroupBox("Who and why")
        left = QFormLayout(left_box)
        left.addRow("Household:", self.search)
        left.addRow("", self.results)
        left.addRow("", self.chosen)
        left.addRow("", self.risks)
        left.addRow("Pupil:", self.pupil)
        left.addRow("Purpose:", self.purpose)
        self._other_label = QLabel("Other purpose:")
        left.addRow(self._other_label, self.purpose_other)
        left.addRow("", announce_row)
        left.addRow("Notes before the visit:", self.notes)

        return left_box

    def _announce_row(self) -> QWidget:
        """Announced or unannounced: one choice, as two radio buttons on a row."""
        announce_row = QWidget()
        announce_row.setAccessibleName("Announced or unannounced")
        announce = QHBoxLayout(announce_row)
        announce.setContentsMargins(0, 0, 0, 0)
        announce.addWidget(self.announced)
        announce.addWidget(self.unannounced)
        announce.addStretch(1)
        return announce_row

    def _when_and_who_goes(self) -> QGroupBox:
        """The day and times, who leads and who goes with, vehicle, office contact, and the
        out-of-hours, outside-agency and lone-visit details."""
        times = self._times()
        self.lead = QComboBox()
        self.lead.setAccessibleName("Lead staff")
        self.companion = QComboBox()
        self.companion.setAccessibleName("Companion")
        self.vehicle = QComboBox()
        self.vehicle.setAccessibleName("Vehicle")
        for person in self._staff:
            suffix = "" if person.active else " (deactivated)"
            if person.active:
                self.lead.addItem(person.name + suffix, person.id)
                self.companion.addItem(person.name + suffix, person.id)
        self.lead.insertItem(0, "Choose who leads…", None)
        self.companion.insertItem(0, "None (lone visit)", None)
        self.office = QLineEdit()
        self.office.setAccessibleName("Office contact")
        self.office.setPlaceholderText("Who in the office tracks this visit")
        self.commute = QCheckBox("On the way to or from work")
        self.commute.setAccessibleName("On the way to or from work")
        self.ooh_reason = QLineEdit()
        self.ooh_reason.setAccessibleName("Out-of-hours reason")
        self.ooh_reason.setPlaceholderText("Why it cannot happen in school hours")
        self.responsible_person = QComboBox()
        self.responsible_person.setAccessibleName("Responsible person")
        self.responsible_person.setToolTip(
            "Told by text when staff leave, and the first to get any alarm of this visit"
        )
        self._fill_responsible()
        self.responsible = QLineEdit()
        self.responsible.setAccessibleName("Responsible contact")
        # Older visits had a typed name here; it still reads, but only a chosen person (who can be
        # texted) satisfies the out-of-hours rule, so it is no longer typed into.
        self.responsible.setReadOnly(True)
        self.responsible.setPlaceholderText("Older visits only: choose the person above")
        self.transported = QCheckBox("A pupil travels in the car")
        self.transported.setAccessibleName("Pupil transported")
        self.agency_name = QLineEdit()
        self.agency_name.setAccessibleName("Outside-agency companion name")
        self.agency_name.setPlaceholderText("Name")
        self.agency_org = QLineEdit()
        self.agency_org.setAccessibleName("Outside-agency companion organisation")
        self.agency_org.setPlaceholderText("Organisation")
        self.agency_phone = QLineEdit()
        self.agency_phone.setAccessibleName("Outside-agency companion phone")
        self.agency_phone.setPlaceholderText("Phone")
        self.lone_reason = QLineEdit()
        self.lone_reason.setAccessibleName("Lone visit reason")
        self.lone_reason.setPlaceholderText("Why one member of staff is enough")

        right_box = QGroupBox("When and who goes")
        right = QFormLayout(right_box)
        right.addRow("Date:", self.day)
        right.addRow("Times:", times)
        right.addRow("Lead staff:", self.lead)
        right.addRow("Companion:", self.companion)
        right.addRow("Vehicle:", self.vehicle)
        right.addRow("", self.transported)
        self.agency_box = QGroupBox("Or a companion from an outside agency")
        agency = QHBoxLayout(self.agency_box)
        for agency_edit in (self.agency_name, self.agency_org, self.agency_phone):
            agency.addWidget(agency_edit)
        self.agency_box.setVisible(self.policy.outside_agency_companion)
        right.addRow(self.agency_box)
        right.addRow("Office contact:", self.office)
        right.addRow("", self.commute)
        self.ooh_box = QGroupBox("Outside school hours")
        ooh = QFormLayout(self.ooh_box)
        ooh.addRow("Reason:", self.ooh_reason)
        ooh.addRow("Responsible person:", self.responsible_person)
        ooh.addRow("Typed earlier (not texted):", self.responsible)
        right.addRow(self.ooh_box)
        self._lone_label = QLabel("Lone visit reason:")
        right.addRow(self._lone_label, self.lone_reason)

        return right_box

    def _times(self) -> QWidget:
        """Date, then start and end on top with travel either side of them below."""
        self.day = DateEdit()
        self.day.setCalendarPopup(True)
        self.day.setAccessibleName("Date")
        self.departure, self.start, self.end, self.back = (QTimeEdit() for _ in range(4))
        for edit, name in (
            (self.departure, "Planned departure"),
            (self.start, "Start"),
            (self.end, "End"),
            (self.back, "Expected return"),
        ):
            edit.setDisplayFormat("HH:mm")
            edit.setAccessibleName(name)
            edit.setKeyboardTracking(False)
        times = QWidget()
        grid = QGridLayout(times)
        grid.setContentsMargins(0, 0, 0, 0)
        # the visit itself on top, travel either side of it below
        for row, col, text, edit in (
            (0, 0, "Start:", self.start),
            (0, 2, "End:", self.end),
            (1, 0, "Leave school:", self.departure),
            (1, 2, "Back by:", self.back),
        ):
            label = QLabel(text)
            label.setBuddy(edit)
            edit.setMinimumWidth(90)
            grid.addWidget(label, row, col)
            grid.addWidget(edit, row, col + 1)
        grid.setColumnStretch(4, 1)
        return times

    def _build_buttons(self) -> None:
        """Book and assess / send / draft for a new visit; Save changes for an edit."""
        self.buttons = QDialogButtonBox()
        if self.visit is None:
            # The usual path first: book, then the risk assessment, then approval.
            self.assess_button: QPushButton | None = QPushButton("Book and &assess now")
            self.assess_button.setToolTip(
                "Book the visit and open its risk assessment; when it is complete the visit "
                "goes to the approver"
            )
            self.submit_button = QPushButton("Book and send for approval")
            self.submit_button.setToolTip(
                "Send without a risk assessment (the approver sees that it is missing)"
            )
            self.draft_button: QPushButton | None = QPushButton("Save as draft")
            self.buttons.addButton(self.assess_button, QDialogButtonBox.ButtonRole.AcceptRole)
            self.buttons.addButton(self.submit_button, QDialogButtonBox.ButtonRole.AcceptRole)
            self.buttons.addButton(self.draft_button, QDialogButtonBox.ButtonRole.ActionRole)
            self.assess_button.setDefault(True)
        else:
            self.assess_button = None
            self.submit_button = QPushButton("Save changes")
            self.draft_button = None
            self.buttons.addButton(self.submit_button, QDialogButtonBox.ButtonRole.AcceptRole)
            self.submit_button.setDefault(True)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.clicked.connect(self._clicked)

    def _field_widgets(self) -> dict[str, QWidget]:
        """Each rule's field name to the widget an error about it points at."""
        return {
            rules.F_HOUSEHOLD: self.search,
            rules.F_PUPIL: self.pupil,
            rules.F_PURPOSE: self.purpose,
            rules.F_PURPOSE_OTHER: self.purpose_other,
            rules.F_DEPARTURE: self.departure,
            rules.F_START: self.start,
            rules.F_END: self.end,
            rules.F_RETURN: self.back,
            rules.F_LEAD: self.lead,
            rules.F_COMPANION: self.companion,
            rules.F_VEHICLE: self.vehicle,
            rules.F_OFFICE: self.office,
            rules.F_OOH_REASON: self.ooh_reason,
            rules.F_RESPONSIBLE: self.responsible,
            rules.F_LONE_REASON: self.lone_reason,
            rules.F_NOTES: self.notes,
            "Announced": self.announced,
            "On the way to or from work": self.commute,
            rules.F_AGENCY: self.agency_name,
            rules.F_TRANSPORT: self.transported,
        }

    def _connect(self) -> None:
        """Every edit re-checks the visit as it is typed (the live checks and times)."""
        self.search.textChanged.connect(self._filter)
        self.results.currentItemChanged.connect(lambda cur, _prev: self._pick(cur))
        self.purpose.currentIndexChanged.connect(lambda _i: self._purpose_changed())
        self.day.dateChanged.connect(lambda _d: self._refresh_live())
        self.start.timeChanged.connect(self._start_changed)
        self.end.timeChanged.connect(self._end_changed)
        for edit in (self.departure, self.back):
            edit.timeChanged.connect(lambda _t: self._refresh_live())
        self.lead.currentIndexChanged.connect(lambda _i: self._staff_changed())
        self.companion.currentIndexChanged.connect(lambda _i: self._staff_changed())
        self.vehicle.currentIndexChanged.connect(lambda _i: self._refresh_live())
        self.announced.toggled.connect(lambda _c: self._refresh_live())
        self.commute.toggled.connect(lambda _c: self._refresh_live())
        self.responsible_person.currentIndexChanged.connect(lambda _i: self._person_changed())
        self.transported.toggled.connect(lambda _c: self._refresh_live())
        for agency_edit in (self.agency_name, self.agency_org, self.agency_phone):
            agency_edit.editingFinished.connect(self._refresh_live)

    # --- filling -------------------------------------------------------------------------------
    def _fill_responsible(self) -> None:
        """People hvdesk can text (a mobile on file) for the out-of-hours responsible contact."""
        self.responsible_person.addItem("Choose who checks on staff…", None)
        for person in self._contacts:
            if person.active and person.mobile:
                role = f" ({person.role_label})" if person.role_label else ""
                self.responsible_person.addItem(
                    f"{person.name}{role} {display_phone(person.mobile)}", person.id
                )

    def _person_changed(self) -> None:
        chosen = self.responsible_person.currentData() is not None
        self.responsible.setEnabled(not chosen)
        self._refresh_live()

    def _new(self, start: datetime | None, lead_staff_id: int | None) -> None:
        if start is None:
            start = self._next_slot()
        data = self.deps.booking.new_input(self.actor, start, self.policy)
        data.lead_staff_id = lead_staff_id
        self._load(data)
        self._filter("")

    def prefill(self, household_id: int, pupil_id: int | None, purpose: str) -> None:
        """Fill in who and why, e.g. from a suggested attendance visit (booked in one click)."""
        household = next((h for h in self._households if h.id == household_id), None)
        if household is not None:
            self.search.setText(household.name)
            self._choose(household)
        self._set_combo(self.pupil, pupil_id)
        self._set_combo(self.purpose, purpose)
        self._purpose_changed()

    def _next_slot(self) -> datetime:
        """Tomorrow (or Monday) at 10:00: a new visit is rarely for the next few minutes."""
        day = london(self.deps.clock.now()).date()
        day = date.fromordinal(day.toordinal() + 1)
        while day.weekday() >= 5:
            day = date.fromordinal(day.toordinal() + 1)
        return from_london(datetime.combine(day, time(10, 0)))

    def _load(self, data: BookingInput) -> None:
        if self.visit is not None:
            self._show_visit_note()
        if data.household_id is not None:
            household = next((h for h in self._households if h.id == data.household_id), None)
            if household is not None:
                self.search.setText(household.name)
                self._choose(household)
        self._set_combo(self.pupil, data.pupil_id)
        self._set_combo(self.purpose, data.purpose)
        self.purpose_other.setText(data.purpose_other)
        (self.announced if data.announced else self.unannounced).setChecked(True)
        self.notes.setPlainText(data.pre_visit_notes)
        if data.start is not None:
            local = london(data.start).date()
            self.day.setDate(QDate(local.year, local.month, local.day))
        for edit, value in (
            (self.departure, data.planned_departure),
            (self.start, data.start),
            (self.end, data.end),
            (self.back, data.expected_return),
        ):
            if value is not None:
                with QSignalBlocker(edit):
                    edit.setTime(_qtime(value))
        self._last_start, self._last_end = self.start.time(), self.end.time()
        self._ensure_staff(self.lead, data.lead_staff_id)
        self._ensure_staff(self.companion, data.companion_staff_id)
        self._set_combo(self.lead, data.lead_staff_id)
        self._set_combo(self.companion, data.companion_staff_id)
        self._fill_vehicles(data.vehicle_staff_id, keep=True)
        self.office.setText(data.office_contact)
        self.commute.setChecked(data.on_way_to_from_work)
        self.ooh_reason.setText(data.out_of_hours_reason)
        self.responsible.setText(
            data.responsible_contact if data.responsible_contact_id is None else ""
        )
        self._set_combo(self.responsible_person, data.responsible_contact_id)
        self.responsible.setEnabled(data.responsible_contact_id is None)
        self.lone_reason.setText(data.lone_visit_reason)
        self.transported.setChecked(data.pupil_transported)
        self.agency_name.setText(data.companion_agency_name)
        self.agency_org.setText(data.companion_agency_org)
        self.agency_phone.setText(data.companion_agency_phone)
        self._purpose_changed()

    def _show_visit_note(self) -> None:
        assert self.visit is not None
        if self.visit.status == VisitStatus.APPROVED.value and self.policy.approval_required:
            self.note.setText(
                "Note: this visit is approved. Changing its time, staff or household sends it back "
                f"to the {self.policy.approver_title} for approval."
            )
            self.note.show()

    def _ensure_staff(self, combo: QComboBox, staff_id: int | None) -> None:
        """An edited visit may name someone since deactivated: show them so the error can."""
        if staff_id is None or combo.findData(staff_id) >= 0:
            return
        person = next((s for s in self._staff if s.id == staff_id), None)
        if person is not None:
            combo.addItem(f"{person.name} (deactivated)", person.id)

    @staticmethod
    def _set_combo(combo: QComboBox, value: object) -> None:
        index = combo.findData(value)
        combo.setCurrentIndex(max(0, index))

    # --- household search -------------------------------------------------------------------
    def _filter(self, text: str) -> None:
        if self._household is not None and text == self._household.name:
            return  # the chosen name was put in the box
        self.results.clear()
        found = [h for h in self._households if h.active and matches(h, text)]
        for h in found[:MAX_MATCHES]:
            item = QListWidgetItem(household_line(h))
            item.setToolTip(household_line(h))
            item.setData(Qt.ItemDataRole.UserRole, h.id)
            self.results.addItem(item)
        if not found:
            self.results.addItem("No household matches; add it on the Households screen")
        elif len(found) > MAX_MATCHES:
            self.results.addItem(f"… {len(found) - MAX_MATCHES} more: keep typing")
        if len(found) == 1 and text.strip():
            self.results.setCurrentRow(0)

    def _pick(self, item: QListWidgetItem | None) -> None:
        if item is None:
            return
        household_id = item.data(Qt.ItemDataRole.UserRole)
        household = next((h for h in self._households if h.id == household_id), None)
        if household is not None:
            with QSignalBlocker(self.search):
                self.search.setText(household.name)
            self._choose(household)

    def _choose(self, household: Household) -> None:
        self._household = household
        self.chosen.setText(f"✓ {household_line(household)}")
        if current_risks(household):
            self.risks.setText(f"⚠ Known risks: {risk_summary(household)}")
            self.risks.setStyleSheet(f"color: {ink('#8a5a00')};")
        else:
            self.risks.setText("Known risks: none recorded")
            self.risks.setStyleSheet("")
        self.pupil.clear()
        pupils = [p for p in household.pupils if p.active]
        if not pupils:
            self.pupil.addItem("No pupils recorded", None)
        else:
            if len(pupils) > 1:
                self.pupil.addItem("Choose the pupil…", None)
            for p in pupils:
                self.pupil.addItem(f"{p.name} ({p.year_group})" if p.year_group else p.name, p.id)
        self._refresh_live()

    # --- times and people -------------------------------------------------------------------
    def _start_changed(self, new: QTime) -> None:
        """Moving the start moves the whole visit: length and travel stay as they were."""
        delta = self._last_start.secsTo(new)
        self._last_start = new
        if delta and not self._loading:
            for edit in (self.departure, self.end, self.back):
                with QSignalBlocker(edit):
                    edit.setTime(edit.time().addSecs(delta))
            self._last_end = self.end.time()
        self._refresh_live()

    def _end_changed(self, new: QTime) -> None:
        """A longer visit comes back later: the return keeps its travel time."""
        delta = self._last_end.secsTo(new)
        self._last_end = new
        if delta and not self._loading:
            with QSignalBlocker(self.back):
                self.back.setTime(self.back.time().addSecs(delta))
        self._refresh_live()

    def _purpose_changed(self) -> None:
        other = self.purpose.currentData() == Purpose.OTHER.value
        self.purpose_other.setVisible(other)
        self._other_label.setVisible(other)
        self._refresh_live()

    def _staff_changed(self) -> None:
        self._fill_vehicles(self.vehicle.currentData(), keep=False)
        self._refresh_live()

    def _fill_vehicles(self, chosen: int | None, *, keep: bool) -> None:
        people = [self.lead.currentData(), self.companion.currentData()]
        with QSignalBlocker(self.vehicle):
            self.vehicle.clear()
            self.vehicle.addItem("None (on foot or public transport)", None)
            for staff_id in people:
                person = next((s for s in self._staff if s.id == staff_id), None)
                if person is not None and person.vehicle_registration:
                    self.vehicle.addItem(f"{person.name}: {person.vehicle_text}", person.id)
            if keep and chosen is not None and self.vehicle.findData(chosen) < 0:
                self.vehicle.addItem(f"Staff {chosen}'s car", chosen)
            index = self.vehicle.findData(chosen) if chosen is not None else -1
            if index < 0 and not keep:
                index = 1 if self.vehicle.count() > 1 else 0  # the lead's car if they have one
            self.vehicle.setCurrentIndex(max(0, index))

    # --- reading the form -------------------------------------------------------------------
    def _at(self, edit: QTimeEdit) -> datetime:
        return from_london(datetime.combine(qdate_value(self.day.date()), qtime_value(edit.time())))

    def form_data(self) -> BookingInput:
        return BookingInput(
            household_id=self._household.id if self._household else None,
            pupil_id=self.pupil.currentData(),
            purpose=self.purpose.currentData() or "",
            purpose_other=self.purpose_other.text()
            if self.purpose.currentData() == Purpose.OTHER.value
            else "",
            announced=self.announced.isChecked(),
            planned_departure=self._at(self.departure),
            start=self._at(self.start),
            end=self._at(self.end),
            expected_return=self._at(self.back),
            lead_staff_id=self.lead.currentData(),
            companion_staff_id=self.companion.currentData(),
            vehicle_staff_id=self.vehicle.currentData(),
            office_contact=self.office.text(),
            out_of_hours_reason=self.ooh_reason.text(),
            responsible_contact=self.responsible.text()
            if self.responsible_person.currentData() is None
            else "",
            responsible_contact_id=self.responsible_person.currentData(),
            lone_visit_reason=self.lone_reason.text(),
            on_way_to_from_work=self.commute.isChecked(),
            pre_visit_notes=self.notes.toPlainText(),
            pupil_transported=self.transported.isChecked(),
            companion_agency_name=self.agency_name.text(),
            companion_agency_org=self.agency_org.text(),
            companion_agency_phone=self.agency_phone.text(),
        )

    # --- live checks ------------------------------------------------------------------------
    def _refresh_live(self) -> None:
        """A field changed: check the form once the typing pauses (LIVE_CHECK_MS)."""
        if not self._loading:
            self._check_soon.start()

    @property
    def checking(self) -> bool:
        """A live check is waiting for a pause or out on the reader (tests wait for none)."""
        return self._check_soon.isActive() or self.live_checks.loading

    def check_now(self) -> None:
        """Check the form as it stands on the reader (the clashes need the database); the last
        answer stays on show until this one comes, and an older one landing later is dropped.
        Saving never relies on it: the save checks again on the write worker (the last word)."""
        self._check_soon.stop()
        data, booking = self.form_data(), self.deps.booking
        visit_id = self.visit.id if self.visit else None
        self.live_checks.read(lambda: booking.check(data, visit_id), self._show_check)

    def _show_check(self, check: BookingCheck) -> None:
        """What the rules say of the form as it stands: the boxes it needs, errors, warnings."""
        self.last_check = check
        self.ooh_box.setVisible(check.out_of_hours and self.policy.out_of_hours_needs_reason)
        lone = check.lone and self.policy.lone_visits_allowed
        self.lone_reason.setVisible(lone)
        self._lone_label.setVisible(lone)
        lines = [
            f"✗ {e.field}: {e.message}"
            for e in check.errors
            if e.field in LIVE_FIELDS and not e.message.startswith("is required")
        ]
        lines += [
            f"{'⚠' if n.level == 'warning' else '•'} {n.field}: {n.message}" for n in check.notices
        ]
        self.checks.setText("\n".join(lines))
        self.checks.setVisible(bool(lines))
        blocking = any(line.startswith("✗") for line in lines)
        self.checks.setStyleSheet(
            "padding: 4px; border: 1px solid "
            + ("#b00020; background: #fdecea;" if blocking else "#8a5a00; background: #fffaf0;")
        )

    # --- saving -------------------------------------------------------------------------------
    def _clicked(self, button: QAbstractButton) -> None:
        if button is self.cancel_button:
            self.reject()
        elif button is self.assess_button:
            self.save(submit=False, assess=True)
        elif button is self.submit_button:
            self.save(submit=True)
        elif button is self.draft_button:
            self.save(submit=False)

    def save(self, *, submit: bool = True, assess: bool = False, confirmed: bool = False) -> bool:
        """Check, confirm any warnings, save, on the write worker (ui/dialog_save.py): the dialog
        says 'Saving…' and stays open showing every problem until it is valid and recorded.
        False when a save is already under way (a second press saves nothing).

        With `assess` the visit is kept as a draft and its risk assessment opens next
        (`assess_next`); completing the assessment sends it for approval.
        """
        if self.saving.busy:
            return False
        self.assess_next = assess
        self._check_soon.stop()  # the save's own check answers for this form
        self.live_checks.drop()
        data, visit, actor, booking = self.form_data(), self.visit, self.actor, self.deps.booking

        def write() -> _Attempt:  # on the write worker: the check, then the write if it may
            check = booking.check(data, visit.id if visit else None)
            if check.errors or (check.warnings and not confirmed):
                return _Attempt(check)
            if visit is None:
                return _Attempt(check, booking.create(actor, data, submit=submit))
            return _Attempt(
                check, booking.update(actor, visit.id, data, row_version=visit.row_version)
            )

        return self.saving.run(write, lambda done: self._answered(done, submit, assess))

    def _answered(self, attempt: _Attempt, submit: bool, assess: bool) -> None:
        """On the GUI thread: errors shown, warnings confirmed (then saved), or the visit saved."""
        check = attempt.check
        self._show_check(check)
        if check.errors:
            show_errors(self.banner, self.fields, ValidationError(check.errors))
            return
        if attempt.saved is None:
            text = "\n".join(f"• {n.field}: {n.message}" for n in check.warnings)
            verb = "Book this visit" if self.visit is None else "Save these changes"
            if dialogs.confirm(self, "Please check before saving", f"{text}\n\n{verb}?"):
                self.save(submit=submit, assess=assess, confirmed=True)
            return
        if isinstance(attempt.saved, Visit):
            saved_id = attempt.saved.id
            self.result_message = _booked_message(attempt.saved, self.approver, submit, assess)
        else:
            assert self.visit is not None
            saved_id = self.visit.id
            self.result_message = attempt.saved.message
            if attempt.saved.sent_back:
                dialogs.inform(self, "Sent back for approval", attempt.saved.message)
        self.saved.emit(saved_id)
        self.accept()


@dataclass(frozen=True)
class _Attempt:
    """What one press came to on the worker: the check, and what was saved (None: nothing yet,
    errors to fix or warnings to confirm first)."""

    check: BookingCheck
    saved: Visit | BookingResult | None = None


def _booked_message(visit: Visit, approver: str, submit: bool, assess: bool) -> str:
    where = (
        f"sent to {approver} for approval. No risk assessment yet: open "
        "'Risk assessment…' on the visit before it is approved"
        if submit
        else "risk assessment next"
        if assess
        else "saved as a draft"
    )
    return (
        f"Visit {visit.id} booked for {visit.household.name}, "
        f"{london(visit.start):%a %d %b %H:%M}: {where}."
    )
