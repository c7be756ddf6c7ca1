"""The red alarm window: always on top, one per alarm, stacked; it stays open until resolved.

It names the visit, the staff and their mobiles, what is overdue, the last check-in, the known risks
and the notes before the visit; takes ownership ('Sam is handling this'); walks the owner through
the escalation ladder with each step's numbers, results and timer; shows the police information
sheet; and records the structured resolution. A view only: every press is a signal the tracker
controller turns into a service call (so the state lives in the database, shared by every seat).
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta

from PySide6.QtCore import QEvent, Qt, QTime, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractButton,
    QButtonGroup,
    QCheckBox,
    QDialog,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QTextBrowser,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)

from hvdesk.clock import fmt_datetime, fmt_time, from_london, london
from hvdesk.events import label as event_label
from hvdesk.models import Alarm, AlarmResolution, Household, Visit
from hvdesk.rules import escalation as esc
from hvdesk.rules.deadlines import ALARM_LEVELS, Level, overdue_text
from hvdesk.rules.known_risks import risk_summary
from hvdesk.rules.validation import display_phone as _display_phone
from hvdesk.services.alarms import RESOLUTION_LABELS, AlarmDetail, holds
from hvdesk.services.base import Actor
from ui.a11y import ValueLabel, announce, mark_as_alert, value_name
from ui.forms import error_banner
from ui.tracker import levels, person_alarm

RESOLUTIONS = [
    AlarmResolution.SAFE_FORGOT,
    AlarmResolution.SAFE_DELAYED,
    AlarmResolution.EMERGENCY,
    AlarmResolution.FALSE_ALARM,
    AlarmResolution.DRILL,
]
# No '&' mnemonic: Alt+H is a shortcut that takes the alarm (a mnemonic as well would only focus).
TAKE_TEXT = "I'm handling this  (Alt+H)"
WINDOW_FLAGS = (
    Qt.WindowType.Window
    | Qt.WindowType.WindowStaysOnTopHint
    | Qt.WindowType.CustomizeWindowHint
    | Qt.WindowType.WindowTitleHint
)


def display_phone(e164: str | None) -> str:
    """As dialled in the UK, kept on one line (a number split over two lines gets misread)."""
    return _display_phone(e164).replace(" ", "\u00a0")


def _value_label(field: str = "") -> ValueLabel:
    label = ValueLabel(field)
    label.setWordWrap(True)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    return label


def alarm_level(detail: AlarmDetail) -> Level:
    return ALARM_LEVELS.get(detail.alarm.level, Level.RED)


def headline(detail: AlarmDetail) -> str:
    alarm = detail.alarm
    first = alarm.reason.split(";")[0].split(" (")[0].strip()
    if alarm.drill:
        return "DRILL — PRACTICE ALARM (not real)"
    if alarm.level == "duress":
        return "DURESS: STAFF NEED HELP NOW"
    if alarm.level == "amber":
        return f"AMBER ALARM: {first.upper()} — RING THEM NOW"
    return f"RED ALARM: {first.upper()}"


def staff_lines(detail: AlarmDetail) -> list[str]:
    assert detail.visit is not None, "a person's alarm shows person_alarm.facts"
    lines = [
        f"{s.name} ({s.job_title})  {display_phone(s.mobile)}"
        if s.job_title
        else f"{s.name}  {display_phone(s.mobile)}"
        for s in detail.visit.staff
    ]
    agency = agency_companion_text(detail.visit)
    return lines + ([agency] if agency else [])


def agency_companion_text(v: Visit) -> str:
    """Thomas More: the companion may be from an outside agency; who to ring is them too."""
    if not v.companion_agency_name.strip():
        return ""
    org = v.companion_agency_org.strip() or "outside agency"
    phone = display_phone(v.companion_agency_phone) or "no number on file"
    return f"{v.companion_agency_name.strip()} ({org}, companion)  {phone}"


def vehicle_text(detail: AlarmDetail) -> str:
    assert detail.visit is not None, "a person's alarm shows person_alarm.facts"
    return person_alarm.car(detail.visit.vehicle_staff, person_alarm.NO_CAR_BOOKED)


def last_contact_text(detail: AlarmDetail) -> str:
    event = detail.last_contact
    if event is None:
        return "None since they left"
    text = f"{event_label(event.kind)} at {fmt_time(event.at)}"
    if event.user_name:
        text += f" (taken by {event.user_name})"
    if event.note:
        text += f": {event.note}"
    return text


def social_worker_text(h: Household) -> str:
    if not h.social_worker_name:
        return "None recorded"
    phone = display_phone(h.social_worker_phone) or "no number on file"
    return f"{h.social_worker_name}: {phone}"


def police_sheet_html(detail: AlarmDetail) -> str:
    """The police information sheet data, in the order a call handler asks for it."""
    v, policy = detail.visit, detail.policy
    if v is None:  # about a person with no one visit: who, and where they were last known
        return person_alarm.police_sheet_html(detail, policy.school_name, detail.school_phone)
    e = html.escape
    rows: list[tuple[str, str]] = [("School", e(policy.school_name))]
    if detail.school_phone:
        rows.append(("School phone", e(detail.school_phone)))
    for s in v.staff:
        rows.append(
            (
                "Staff",
                f"<b>{e(s.name)}</b> ({e(s.job_title)}), mobile {e(display_phone(s.mobile))}<br>"
                f"Description: {e(s.description or 'none recorded')}",
            )
        )
    if v.companion_agency_name.strip():
        rows.append(("Companion", e(agency_companion_text(v))))
    owner = v.vehicle_staff
    if owner is not None and owner.vehicle_registration:
        rows.append(
            (
                "Vehicle",
                f"{e(owner.vehicle_colour)} {e(owner.vehicle_make)} {e(owner.vehicle_model)}, "
                f"registration <b>{e(owner.vehicle_registration)}</b> (driver {e(owner.name)})",
            )
        )
    else:
        rows.append(("Vehicle", "None recorded (on foot or public transport)"))
    h = v.household
    rows.append(("Visit address", e(h.one_line_address)))
    if h.phone:
        rows.append(("Household phone", e(display_phone(h.phone))))
    if v.pupil is not None:
        rows.append(("Pupil", e(f"{v.pupil.name} ({v.pupil.year_group})")))
    rows.append(("Purpose", e(v.purpose_label)))
    times = [
        f"Left school {fmt_time(v.departed_at) or '(planned ' + fmt_time(v.planned_departure) + ')'}",
        f"arrived {fmt_time(v.arrived_at) or 'not confirmed'}",
        f"visit due to end {fmt_time(v.end)}",
        f"left the property {fmt_time(v.left_at) or 'not confirmed'}",
        f"expected back {fmt_time(v.expected_return)}",
    ]
    rows.append(("Times", e(", ".join(times)) + f" ({e(fmt_datetime(v.start)[:15])})"))
    rows.append(("Last contact", e(last_contact_text(detail))))
    rows.append(("Known risks", e(risk_summary(h))))
    if h.social_worker_name:
        rows.append(("Social worker", e(social_worker_text(h))))
    rows.append(("Why we are worried", e(detail.alarm.reason)))
    body = "".join(
        f"<tr><td style='padding:2px 8px 2px 0'><b>{k}</b></td><td>{val}</td></tr>"
        for k, val in rows
    )
    return f"<h3>Police information sheet</h3><table>{body}</table>"


class StepBox(QGroupBox):
    """One rung of the ladder: its numbers, its results (current step only), what was recorded."""

    def __init__(self, number: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.number = number
        self.numbers = _value_label()
        self.instruction = _value_label()
        self.history = _value_label()
        self.buttons: dict[str, QPushButton] = {}
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        for i, result in enumerate(esc.step(number).results):
            button = QPushButton(result.label)
            button.setAccessibleName(f"Step {number}: {result.label}")
            self.buttons[result.key] = button
            grid.addWidget(button, i // 2, i % 2)
        self.results = QWidget()
        self.results.setLayout(grid)
        self.rows = layout = QVBoxLayout(self)  # the police step adds its own rows below
        layout.setContentsMargins(8, 10, 8, 4)  # the title never overlaps the first number
        layout.addWidget(self.numbers)
        layout.addWidget(self.instruction)
        layout.addWidget(self.results)
        layout.addWidget(self.history)


# Set by the incidents feature: record_incident(parent, alarm_id) opens its dialog.
record_incident: Callable[[QWidget, int], object] | None = None


class AlarmWindow(QDialog):
    """A window that screen readers treat as an alert (announced at once, its content read in
    order), raised above every hvdesk window."""

    acknowledge_requested = Signal(int)
    takeover_requested = Signal(int, str)  # alarm, the owner the user saw (confirmed by the seat)
    step_requested = Signal(int, int, str, str, str)  # alarm, step, result, note, reference
    resolve_requested = Signal(int, str, str, str, object)  # alarm, result, notes, ref, new return
    print_requested = Signal(int)  # alarm id: print its police information sheet

    def __init__(
        self,
        actor: Actor,
        *,
        can_print: bool = False,
        in_parts: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        """Every widget, no alarm yet: `fill` shows one. in_parts: only the window itself now,
        its parts one `build_part()` at a time (the spare is built so, between other events:
        ui/tracker/spare.py); `finish_build()` builds what is left at once."""
        super().__init__(parent, WINDOW_FLAGS)
        mark_as_alert(self)  # before a screen reader first asks what this window is
        self.alarm_id = 0
        self.visit_id: int | None = None
        self.actor = actor
        self.detail: AlarmDetail  # set by `fill`, which a window is not shown before
        self._allow_close = False
        self._now: datetime  # likewise
        self.attention = False
        self._saving = False  # a press is being written: no other press until it shows
        self._focused_step = 0.0  # the ladder step keyboard focus was last moved to (+0.5 settled)
        self.setMinimumSize(640, 480)
        self.resize(780, 700)
        self._parts: Iterator[None] | None = self._build_parts(can_print)
        if not in_parts:
            self.finish_build()

    def build_part(self) -> bool:
        """Build the next part; False once the window is whole."""
        if self._parts is None:
            return False
        if next(self._parts, StopIteration) is StopIteration:
            self._parts = None
        return self._parts is not None

    def finish_build(self) -> None:
        while self.build_part():
            pass

    def _build_parts(self, can_print: bool) -> Iterator[None]:
        """The window's parts, each a short stretch of GUI-thread work; the last one lays them
        out and polishes them, so showing the window later only paints it."""
        self.banner = ValueLabel("Alarm")
        self.banner.setWordWrap(True)
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.hide()
        self.saving = ValueLabel("Saving")
        self.saving.setStyleSheet("background: #e8eef7; color: #1a2b4a; padding: 6px;")
        self.saving.hide()
        form = self._build_facts()
        self._build_ownership()
        yield
        ladder_box = self._build_ladder(can_print)
        yield
        resolve_box = self._build_resolution()
        yield
        content = QWidget()
        body = QVBoxLayout(content)
        body.addLayout(form)
        body.addLayout(self.owner_row)
        body.addWidget(ladder_box)
        body.addWidget(resolve_box)
        body.addStretch(1)
        self.scroll_area = scroll = QScrollArea()
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # no silent Tab stop: its controls take it
        scroll.setWidgetResizable(True)
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        scroll.setWidget(content)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.banner)
        outer.addWidget(self.notice)
        outer.addWidget(self.saving)
        outer.addWidget(scroll, 1)
        take = QShortcut(QKeySequence("Alt+H"), self)
        take.activated.connect(self._take_by_key)
        yield
        self.ensurePolished()
        outer.activate()

    def fill(self, detail: AlarmDetail, actor: Actor, now: datetime) -> None:
        """Show this window's alarm (once: a window stays with its alarm until it closes)."""
        assert not self.alarm_id, "an alarm window shows one alarm"
        self.finish_build()
        self.alarm_id = detail.alarm.id
        self.visit_id = detail.visit.id if detail.visit is not None else None
        self.actor = actor  # the seat may have been signed in again since this was built
        self.setObjectName(f"alarm_{self.alarm_id}")
        self._add_incident_button()
        self.update_detail(detail, now)

    def _take_by_key(self) -> None:
        """Alt+H: the same as pressing "I'm handling this", when it can be pressed."""
        if self.take_button.isEnabled():
            self.take_button.click()

    # --- building ------------------------------------------------------------------------
    def _build_facts(self) -> QFormLayout:
        """Where, who, what is overdue, the vehicle and the known risks: what the caller needs."""
        self.facts: dict[str, ValueLabel] = {}
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for key, title in (
            ("overdue", "What is overdue:"),
            ("visit", "Visit:"),
            ("address", "Address:"),
            ("staff", "Staff and mobiles:"),
            ("contact", "Last contact:"),  # a check-in, a call, 'left the property'…
            ("back", "Expected back:"),
            ("vehicle", "Vehicle:"),
            ("risks", "Known risks:"),
            ("social", "Social worker:"),
            ("notes", "Notes before the visit:"),
        ):
            # Read in order as 'Address: 14 Hill Street…': the value label carries its field.
            self.facts[key] = _value_label(title.rstrip(":"))
            heading = QLabel(f"<b>{title}</b>")
            heading.setBuddy(self.facts[key])
            form.addRow(heading, self.facts[key])
        return form

    def _build_ownership(self) -> None:
        """'I'm handling this' (or 'Take over from …') and who has it, since when."""
        self.take_button = QPushButton(TAKE_TEXT)
        self.take_button.setToolTip("Take this alarm: you handle it from now on (Alt+H)")
        self.take_button.setAccessibleName("I'm handling this")
        self.take_button.setMinimumHeight(40)
        self.take_button.setStyleSheet(
            "QPushButton { font-size: 12pt; font-weight: bold; padding: 4px 16px; }"
        )
        self.take_button.clicked.connect(self._take_clicked)
        self.owner_label = ValueLabel("Who is handling this")
        self.owner_label.setWordWrap(True)
        self.owner_row = owner_row = QHBoxLayout()
        owner_row.addWidget(self.take_button)
        owner_row.addWidget(self.owner_label, 1)
        self.incident_button: QPushButton | None = None
        self._add_incident_button()

    def _add_incident_button(self) -> None:
        """'Record an incident…' once the incidents feature has installed itself (it may do so
        after a spare window was built)."""
        if record_incident is None or self.incident_button is not None:
            return
        record = record_incident
        self.incident_button = QPushButton("Record an incident…")
        self.incident_button.setAccessibleName("Record an incident from this alarm")
        self.incident_button.clicked.connect(lambda: record(self, self.alarm_id))
        self.owner_row.addWidget(self.incident_button)

    def _build_ladder(self, can_print: bool) -> QGroupBox:
        """The escalation ladder: the prompt, a note, one box per step, the police sheet."""
        self.prompt = ValueLabel("Next step")
        self.prompt.setWordWrap(True)
        self.steps: dict[int, StepBox] = {}
        ladder_box = QGroupBox("Escalation ladder")
        ladder_layout = QVBoxLayout(ladder_box)
        ladder_layout.addWidget(self.prompt)
        self.step_note = QLineEdit()
        self.step_note.setAccessibleName("Step note")
        self.step_note.setPlaceholderText("Note for the step result (optional): who you spoke to…")
        ladder_layout.addWidget(self.step_note)
        for number in range(1, len(esc.LADDER) + 1):
            box = StepBox(number)
            for key, button in box.buttons.items():
                button.clicked.connect(lambda _c=False, n=number, k=key: self._step_clicked(n, k))
            self.steps[number] = box
            ladder_layout.addWidget(box)
        police = self.steps[esc.POLICE_STEP]
        self.police_reference = QLineEdit()
        self.police_reference.setAccessibleName("Police reference")
        self.police_reference.setPlaceholderText("Police reference / log number")
        self.sheet_button = QPushButton("Show police information sheet")
        self.sheet_button.setCheckable(True)
        self.sheet_button.setAccessibleName("Show police information sheet")
        self.sheet = QTextBrowser()
        self.sheet.setTabChangesFocus(True)  # Tab moves on; the text takes no tab characters
        self.sheet.setAccessibleName("Police information sheet")
        self.sheet.setMinimumHeight(260)
        self.sheet.hide()
        self.sheet_button.toggled.connect(self._toggle_sheet)
        self.print_button = QPushButton("Print police sheet")
        self.print_button.setAccessibleName("Print police information sheet")
        # The visit's sheet, or (an alarm about a person) who they are and where last known.
        if not can_print:  # never setVisible(True) here: with no parent yet, that would show
            self.print_button.hide()  # it as a window of its own (and take the focus)
        self.print_button.clicked.connect(lambda: self.print_requested.emit(self.alarm_id))
        police_row = QHBoxLayout()
        police_row.addWidget(QLabel("Reference:"))
        police_row.addWidget(self.police_reference, 1)
        sheet_row = QHBoxLayout()
        sheet_row.addWidget(self.sheet_button)
        sheet_row.addWidget(self.print_button)
        sheet_row.addStretch(1)
        police.rows.addLayout(police_row)
        police.rows.addLayout(sheet_row)
        police.rows.addWidget(self.sheet)
        return ladder_box

    def _build_resolution(self) -> QGroupBox:
        """Resolve as: the structured result, notes, a new return time, the police reference."""
        resolve_box = QGroupBox("Resolve as")
        self.resolution_group = QButtonGroup(self)
        self.resolution_buttons: dict[str, QRadioButton] = {}
        grid = QGridLayout()
        for i, value in enumerate(RESOLUTIONS):
            radio = QRadioButton(RESOLUTION_LABELS[value])
            radio.setAccessibleName(f"Resolve as {RESOLUTION_LABELS[value]}")
            self.resolution_group.addButton(radio)
            self.resolution_buttons[value.value] = radio
            grid.addWidget(radio, i // 2, i % 2)
        self.new_return_check = QCheckBox("New expected return:")
        self.new_return_check.setAccessibleName("Give a new expected return")
        self.new_return = QTimeEdit()
        self.new_return.setDisplayFormat("HH:mm")
        self.new_return.setAccessibleName("New expected return")
        self.new_return.setEnabled(False)
        self.new_return_check.toggled.connect(self.new_return.setEnabled)
        self.resolve_reference = QLineEdit()
        self.resolve_reference.setAccessibleName("Police reference for the resolution")
        self.resolve_reference.setPlaceholderText("Police reference (genuine emergency)")
        self.notes = QLineEdit()
        self.notes.setAccessibleName("Resolution notes")
        self.notes.setPlaceholderText("Notes: what happened, who you spoke to")
        self.resolve_button = QPushButton("&Resolve")
        self.resolve_button.setAccessibleName("Resolve the alarm")
        self.resolve_button.clicked.connect(self._resolve_clicked)
        self.errors = error_banner()
        extra = QHBoxLayout()
        extra.addWidget(self.new_return_check)
        extra.addWidget(self.new_return)
        extra.addWidget(self.resolve_reference, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.notes, 1)
        bottom.addWidget(self.resolve_button)
        resolve_layout = QVBoxLayout(resolve_box)
        resolve_layout.addLayout(grid)
        resolve_layout.addLayout(extra)
        resolve_layout.addLayout(bottom)
        resolve_layout.addWidget(self.errors)
        return resolve_box

    # --- updates from the controller -----------------------------------------------------
    def update_detail(self, detail: AlarmDetail, now: datetime) -> None:
        """Show the alarm as the database has it now (after any seat changed it)."""
        self.detail = detail
        alarm, visit = detail.alarm, detail.visit
        level = alarm_level(detail)
        title = headline(detail)
        about = person_alarm.name(detail)
        number = f"alarm {alarm.id}"  # what `hvdesk print person-police-sheet --alarm` asks for
        self.setWindowTitle(f"{title} — {about} · {number}")
        self.banner.setText(f"{levels.ICONS[level]} {title} — {about} · {number}")
        self.banner.setStyleSheet(levels.banner_style(level, alarm.drill))
        self.setAccessibleName(f"{title}, {about}, {number}")
        if visit is None:
            for key, text in person_alarm.facts(detail).items():
                self.facts[key].setText(text)
            self.new_return_check.setChecked(False)
            self.new_return_check.setEnabled(False)  # no visit whose return could move
        else:
            self._show_visit(visit, detail, now)
        self._fill_steps()
        self.sheet.setHtml(police_sheet_html(detail))
        if alarm.police_reference and not self.police_reference.text():
            self.police_reference.setText(alarm.police_reference)
        if alarm.police_reference and not self.resolve_reference.text():
            self.resolve_reference.setText(alarm.police_reference)
        for value, radio in self.resolution_buttons.items():
            radio.setEnabled(not alarm.drill or value == AlarmResolution.DRILL)
        if alarm.drill:
            self.resolution_buttons[AlarmResolution.DRILL.value].setChecked(True)
            self.show_notice(
                "DRILL: practise each step and record what you would do. Do not ring 999, 101, "
                "the staff or the family unless the drill was agreed with them."
            )
        self.tick(now)
        self._focus_current_step()

    def _show_visit(self, visit: Visit, detail: AlarmDetail, now: datetime) -> None:
        """The fact rows of an alarm on a visit: the home, the people, the risks, the times."""
        h = visit.household
        pupil = f", pupil {visit.pupil.name} ({visit.pupil.year_group})" if visit.pupil else ""
        self.facts["visit"].setText(f"{h.name} — {visit.purpose_label}{pupil}")
        phone = f"   Home phone: {display_phone(h.phone)}" if h.phone else ""
        self.facts["address"].setText(h.one_line_address + phone)
        self.facts["staff"].setText("\n".join(staff_lines(detail)))
        self.facts["contact"].setText(last_contact_text(detail))
        self.facts["vehicle"].setText(vehicle_text(detail))
        self.facts["back"].setText(fmt_time(visit.expected_return))
        self.facts["risks"].setText(risk_summary(h))
        # Thomas More: the social worker's number 'easily accessible if there is a cause for
        # concern during the home visit'.
        self.facts["social"].setText(social_worker_text(h))
        self.facts["notes"].setText(visit.pre_visit_notes or "None")
        if not self.new_return_check.isChecked():
            suggested = london(max(visit.expected_return, now) + timedelta(minutes=15))
            self.new_return.setTime(QTime(suggested.hour, suggested.minute))

    def _focus_current_step(self) -> None:
        """Once this seat owns the alarm, keyboard focus follows the ladder to its current step,
        and on to Resolve as once that step is settled (staff reached, police called): not to
        wherever Qt put it when the pressed button went off while saving (the police reference)."""
        alarm = self.detail.alarm
        mine = alarm.acknowledged_by_id == self.actor.user_id and alarm.resolved_at is None
        if self._saving:  # the buttons are off until the press shows: focus follows after
            return
        settled = esc.ladder_state(alarm, self.detail.steps, self.detail.policy).settled
        where = alarm.step + (0.5 if settled else 0)  # step 2 settled: 2.5
        if not mine or where == self._focused_step or alarm.step not in self.steps:
            return
        self._focused_step = where
        answers: list[QAbstractButton] = list(
            self.resolution_buttons.values() if settled else self.steps[alarm.step].buttons.values()
        )
        first = answers[0] if answers else None
        if first is not None and first.isEnabled():
            first.setFocus(Qt.FocusReason.OtherFocusReason)
            self.scroll_area.ensureWidgetVisible(first)

    def announce(self, text: str) -> None:
        """A screen reader says the alarm at once, wherever the user's focus is."""
        announce(self, text)

    def reject(self) -> None:
        """Escape does not close an alarm: it stays open until resolved."""
        self.show_notice("This alarm stays open until it is resolved (see 'Resolve as' below).")

    def _fill_steps(self) -> None:
        detail = self.detail
        policy = detail.policy
        visit = detail.visit
        numbers = person_alarm.step_numbers(detail) if visit is None else {
            1: "\n".join(
                f"{s.name}: {display_phone(s.mobile) or 'no mobile on file'}" for s in visit.staff
            ),
            2: (
                f"{visit.household.name}: {display_phone(visit.household.phone)}"
                if visit.household.phone
                else "No phone number on file for the household"
            ),
        }
        numbers |= {
            3: "\n".join(
                f"{c.name} ({c.title}): {c.phone or 'no number on file'}" for c in detail.approvers
            )
            or f"No {policy.approver_title.lower()} has an account; ring the school",
            4: f"{policy.police_emergency} (emergency)   /   {policy.police_non_emergency} "
            "(non-emergency)",
        }
        current = detail.alarm.step
        resolved = detail.alarm.resolved_at is not None
        for number, box in self.steps.items():
            marker = "▶ " if number == current and not resolved else ""
            box.setTitle(f"{marker}{number}  {esc.step_title(number, policy)}")
            # read as its step, not as the ladder around it (and without the ▶ shape's name)
            now = ", the current step" if marker else ""
            box.setAccessibleName(f"Step {number}{now}: {esc.step_title(number, policy)}")
            box.numbers.setText(numbers[number])
            box.instruction.setText(esc.step(number).instruction)
            box.instruction.setVisible(number == current)
            box.results.setVisible(number == current and not resolved)
            done = [
                f"{e.data.get('label', '')} — {fmt_time(e.at)} by {e.user_name}"
                + (f" ({e.data.get('reference')})" if e.data.get("reference") else "")
                for e in detail.steps
                if e.data.get("step") == number
            ]
            box.history.setText("\n".join(done))
            box.history.setVisible(bool(done))
            box.setStyleSheet(
                "QGroupBox { font-weight: bold; border: 2px solid #b00020; margin-top: 1.4em; }"
                " QGroupBox::title { subcontrol-origin: margin; left: 8px; padding: 0 4px; }"
                if number == current and not resolved
                else ""
            )

    def _describe(self) -> None:
        """The facts, in order, as the window's description: Orca reads an alert's name, then
        its description, and skips every label that has a field label (all the facts). Set
        only when it changes (the overdue minutes), not every second."""
        facts = [
            value_name(f.field, ". ".join(line.strip() for line in f.text().split("\n")))
            for f in self.facts.values()
            if f.text() and not f.isHidden()
        ]
        described = ". ".join(facts or [self.detail.alarm.reason])
        if described != self.accessibleDescription():
            self.setAccessibleDescription(described)

    def tick(self, now: datetime) -> None:
        """Live parts: how long overdue, the step timer and prompt, whether it needs attention."""
        self._now = now
        detail = self.detail
        alarm = detail.alarm
        state = detail.ladder()
        reasons = [alarm.reason]
        if alarm.drill or alarm.level == "duress":
            reasons[0] += f" — raised {fmt_time(alarm.raised_at)}"
        elif alarm.due_at is not None:
            reasons[0] += f" — {overdue_text((now - alarm.due_at).total_seconds())}"
        reasons += [f"also: {r}" for r in detail.merged_reasons if r not in alarm.reason]
        self.facts["overdue"].setText("\n".join(reasons))
        self._describe()
        self.prompt.setText(state.prompt(now, detail.policy))
        overdue = state.overdue(now)
        self.prompt.setStyleSheet(
            "font-size: 12pt; font-weight: bold;"
            + (" background: #b00020; color: white; padding: 4px;" if overdue else "")
        )
        if alarm.acknowledged_at is None:
            self.owner_label.setText(
                "Nobody is handling this yet. The sound repeats until someone takes it."
            )
            self.take_button.setText(TAKE_TEXT)
            self.take_button.setEnabled(not self._saving)
        else:
            mine = holds(alarm, self.actor)
            who = "You are" if mine else f"{alarm.acknowledged_by} is"
            self.owner_label.setText(
                f"<b>{html.escape(who)} handling this</b> (since {fmt_time(alarm.acknowledged_at)})"
            )
            self.take_button.setText(
                "Take over" if mine else f"Take over from {alarm.acknowledged_by}…"
            )
            self.take_button.setEnabled(not mine and not self._saving)
        self.attention = state.needs_attention(now)
        # Only the one person handling the alarm records its ladder and resolves it (drills too).
        holding = alarm.resolved_at is None and holds(alarm, self.actor)
        held = holding and not self._saving
        for box in self.steps.values():
            for button in box.buttons.values():
                button.setEnabled(held)
        self.resolve_button.setEnabled(held)
        self.resolve_button.setToolTip("" if holding else self._why_not_mine(alarm))

    @staticmethod
    def _why_not_mine(alarm: Alarm) -> str:
        if alarm.resolved_at is not None:
            return ""
        if alarm.acknowledged_at is None:
            return "Press 'I'm handling this' first"
        return (
            f"{alarm.acknowledged_by} is handling this: use "
            f"'Take over from {alarm.acknowledged_by}…' to record steps or resolve it"
        )

    def set_saving(self, text: str) -> None:
        """'Saving the step…' while a press is written (off the GUI thread) and until the window
        shows it: the other presses wait; '' then, or when it was not recorded."""
        self._saving = bool(text)
        self.saving.setText(text)
        self.saving.setVisible(bool(text))
        if text:
            self.announce(text)
        self.tick(self._now)
        self._focus_current_step()

    def show_error(self, text: str) -> None:
        self.errors.setText(text)
        self.errors.show()

    def show_notice(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.setStyleSheet("background: #fff4d6; color: #5c3a00; padding: 6px;")
        self.notice.show()

    # --- presses -------------------------------------------------------------------------
    def _take_clicked(self) -> None:
        """Nobody has it: take it. Someone else has it: ask to take over (a separate action)."""
        self.errors.hide()
        alarm = self.detail.alarm
        if alarm.acknowledged_at is None:
            self.acknowledge_requested.emit(self.alarm_id)
        else:
            self.takeover_requested.emit(self.alarm_id, alarm.acknowledged_by)

    def _step_clicked(self, number: int, key: str) -> None:
        self.errors.hide()
        reference = self.police_reference.text() if number == esc.POLICE_STEP else ""
        # the note is cleared by the controller once the step is recorded, never before
        self.step_requested.emit(self.alarm_id, number, key, self.step_note.text(), reference)

    def selected_resolution(self) -> str:
        for value, radio in self.resolution_buttons.items():
            if radio.isChecked():
                return value
        return ""

    def _resolve_clicked(self) -> None:
        self.errors.hide()
        new_return = None
        if self.new_return_check.isChecked():
            t = self.new_return.time()
            day = london(self._now).date()
            new_return = from_london(datetime(day.year, day.month, day.day, t.hour(), t.minute()))
        self.resolve_requested.emit(
            self.alarm_id,
            self.selected_resolution(),
            self.notes.text(),
            self.resolve_reference.text() or self.police_reference.text(),
            new_return,
        )

    def _toggle_sheet(self, shown: bool) -> None:
        self.sheet.setVisible(shown)
        self.sheet_button.setText(
            "Hide police information sheet" if shown else "Show police information sheet"
        )

    # --- closing -------------------------------------------------------------------------
    def allow_close(self) -> None:
        self._allow_close = True

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._allow_close:
            event.accept()
            return
        event.ignore()
        self.show_notice("This alarm stays open until it is resolved (see 'Resolve as' below).")

    def changeEvent(self, event: QEvent) -> None:
        # An alarm that cannot be missed is not minimised out of sight.
        if event.type() == QEvent.Type.WindowStateChange and self.isMinimized():
            self.showNormal()
        super().changeEvent(event)
