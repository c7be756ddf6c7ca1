"""The one-click tracker actions, wherever they are pressed: Today panel, toolbar, visit menus.

Each runs one service call (one transaction, one Event with the user and time) on the write worker,
so the window never waits for the database; a refusal or a database that does not answer is shown
plainly and nothing is recorded; success tells every screen to refresh (`recorded`).
Two seams for tests, like ui.dialogs: `ask_new_return` and `choose_visit`.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from PySide6.QtCore import QObject, QTime, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QTimeEdit,
    QVBoxLayout,
    QWidget,
)
from sqlalchemy.exc import SQLAlchemyError

from hvdesk.clock import Clock, fmt_time, from_london, london
from hvdesk.models import Alarm, Role, Visit
from hvdesk.rules.actions import Action
from hvdesk.services.alarms import AlarmDetail, AlarmService
from hvdesk.services.base import Actor
from hvdesk.services.texts_in import ResponsibleContacts
from hvdesk.services.tracker import TrackerService
from ui import dialogs
from ui.tracker.saving import Outcome, not_recorded, save
from ui.worker import Worker

log = logging.getLogger(__name__)


class RunningLateDialog(QDialog):
    """Staff phoned to say they are running late: when do they now expect to be back?"""

    def __init__(self, visit: Visit, now: datetime, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Running late")
        self._day = london(now).date()
        suggested = london(max(visit.expected_return, now) + timedelta(minutes=15))
        self.time = QTimeEdit(QTime(suggested.hour, suggested.minute))
        self.time.setDisplayFormat("HH:mm")
        self.time.setAccessibleName("New expected return")
        self.note = QLineEdit()
        self.note.setAccessibleName("Note")
        self.note.setPlaceholderText("e.g. traffic on the ring road")
        form = QFormLayout()
        form.addRow("New expected return (today):", self.time)
        form.addRow("Note:", self.note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                f"<b>{visit.household.name}</b> ({visit.staff_names})<br>"
                f"Expected back {fmt_time(visit.expected_return)}"
            )
        )
        layout.addLayout(form)
        layout.addWidget(buttons)

    def value(self) -> tuple[datetime, str]:
        t = self.time.time()
        local = datetime(self._day.year, self._day.month, self._day.day, t.hour(), t.minute())
        return from_london(local), self.note.text()


def _ask_new_return(
    parent: QWidget | None, visit: Visit, now: datetime
) -> tuple[datetime, str] | None:
    dialog = RunningLateDialog(visit, now, parent)
    return dialog.value() if dialog.exec() == QDialog.DialogCode.Accepted else None


def _choose_visit(parent: QWidget | None, title: str, visits: Sequence[Visit]) -> Visit | None:
    dialog = QDialog(parent)
    dialog.setWindowTitle(title)
    items = QListWidget()
    items.setAccessibleName("Visits to choose from")
    for visit in visits:
        item = QListWidgetItem(
            f"{visit.household.name} — {visit.staff_names} — {visit.status.replace('_', ' ')}"
        )
        item.setData(256, visit.id)
        items.addItem(item)
    items.setCurrentRow(0)
    items.itemDoubleClicked.connect(lambda _i: dialog.accept())
    buttons = QDialogButtonBox(
        QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
    )
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addWidget(QLabel("Which visit?"))
    layout.addWidget(items)
    layout.addWidget(buttons)
    if dialog.exec() != QDialog.DialogCode.Accepted or items.currentItem() is None:
        return None
    chosen = items.currentItem().data(256)
    return next((v for v in visits if v.id == chosen), None)


# Seams: tests replace these.
ask_new_return: Callable[[QWidget | None, Visit, datetime], tuple[datetime, str] | None] = (
    _ask_new_return
)
choose_visit: Callable[[QWidget | None, str, Sequence[Visit]], Visit | None] = _choose_visit

# What each press records, in the words of "Saving check-in for Clarke…" and "the check-in was
# NOT recorded".
NOUNS: dict[Action, str] = {
    Action.DEPART: "departure",
    Action.ARRIVE: "arrival",
    Action.CHECK_IN: "check-in",
    Action.PARENT_ARRIVED: "check-in (parent arrived)",
    Action.OFFICE_CALL: "office call",
    Action.LEFT_PROPERTY: "'left the property'",
    Action.RETURNED: "return to school",
    Action.RUNNING_LATE: "new return time",
    Action.PARENT_NOT_PRESENT: "'parent not present'",
    Action.CANCEL_PARENT_ABSENT: "cancellation",
    Action.DURESS: "duress alarm",
    Action.DRILL: "drill",
}


@dataclass(eq=False)
class Press:
    """One press being saved: which action, its dialog title, and for whom."""

    action: Action
    title: str
    visit_id: int
    name: str  # the household, as the person knows the visit

    @property
    def saving_text(self) -> str:
        return f"Saving {NOUNS[self.action]} for {self.name}…"


@dataclass(frozen=True)
class NewAlarm:
    """An alarm this seat's press raised, with what its window shows read in the same job on the
    write worker (None when that read failed: the change feed's reload shows it instead)."""

    alarm: Alarm
    details: list[AlarmDetail] | None


class TrackerActions(QObject):
    """Runs tracker actions for the signed-in user on the write worker and reports what happened.

    A press returns at once: the write runs on `writer` (ui/tracker/saving.py says why a worker of
    its own), the pressed action is `pending` (its buttons are off and "Saving check-in for
    Clarke…" shows) until it settles, then `recorded` or `failed` says how it went. Questions
    (a dialog, a time to type) are asked on the GUI thread first; only then is the write sent.
    """

    recorded = Signal()  # something was written: the change feed announces it to every screen
    failed = Signal(str)  # a press was not recorded (refused, or no database): what was said
    pending_changed = Signal()  # a press started or settled: buttons and the saving text follow
    # NewAlarm: an alarm raised by a press (duress, drill): its window opens now, not after the
    # reads queued on the window's reader
    alarm_started = Signal(object)

    def __init__(
        self,
        tracker: TrackerService,
        alarms: AlarmService,
        actor: Actor,
        clock: Clock,
        parent: QObject | None = None,
        *,
        writer: Worker | None = None,
    ) -> None:
        super().__init__(parent)
        self.tracker, self.alarms, self.actor, self.clock = tracker, alarms, actor, clock
        self.writer = writer if writer is not None else Worker(self, finish_queued=True)
        # The household a visit id is known by on this seat (the controller reads its board).
        self.name_of: Callable[[int], str] = lambda _visit_id: "the visit"
        self._pending: list[Press] = []
        # A question that needs a fact first (depart, arrive) is being read or asked: the presses
        # made meanwhile wait for its write, so the writes keep the order they were pressed in.
        self._asking = False
        self._held: deque[tuple[Press, bool, Callable[[], None]]] = deque()
        self.stopped = False  # the window is closing: a late answer is logged, not shown

    @property
    def can_handle(self) -> bool:
        return self.actor.role in (Role.OFFICE.value, Role.APPROVER.value, Role.ADMIN.value)

    @property
    def pending(self) -> frozenset[Action]:
        """The actions being saved now: their buttons stay off until they settle."""
        return frozenset(p.action for p in self._pending)

    def pending_for(self, visit_id: int) -> frozenset[Action]:
        """The actions being saved for this one visit: another visit's buttons stay on while
        one visit's check-in is being saved."""
        return frozenset(p.action for p in self._pending if p.visit_id == visit_id)

    @property
    def saving_text(self) -> str:
        """'Saving check-in for Clarke…' for the latest press still being saved, else ''."""
        return self._pending[-1].saving_text if self._pending else ""

    def saving_text_for(self, visit_id: int) -> str:
        """'Saving check-in for Clarke…' for this visit's latest press still being saved."""
        mine = [p for p in self._pending if p.visit_id == visit_id]
        return mine[-1].saving_text if mine else ""

    def _start(self, press: Press) -> None:
        self._pending.append(press)
        self.pending_changed.emit()

    def _settle(self, press: Press) -> None:
        self._pending.remove(press)
        self.pending_changed.emit()

    def _press(self, action: Action, title: str, visit_id: int, name: str = "") -> Press | None:
        """A new press, or None when the same action for the same visit is still being saved
        (a second key press or click meanwhile is the same request, not a second record)."""
        if any(p.action is action and p.visit_id == visit_id for p in self._pending):
            return None
        return Press(action, title, visit_id, name or self.name_of(visit_id))

    def _in_order(
        self, press: Press, go: Callable[[], None], *, urgent: bool = False, asks: bool = False
    ) -> None:
        """Start a press's work now, or after the question being asked (a duress never waits).
        `asks`: the work is a question's read (it cannot be asked once the window closes)."""
        if self._asking and not urgent:
            self._held.append((press, asks, go))
        else:
            go()

    def flush(self) -> None:
        """The window is closing: the writes held behind a question go to the write worker now
        (it finishes what it was given); a held press that must ask first cannot be asked, and
        is logged as not recorded rather than lost without a word."""
        self.stopped = True
        self._asking = False
        while self._held:
            press, asks, go = self._held.popleft()
            if asks:
                log.warning(
                    "%s for %s not recorded: the window closed before it could be asked",
                    press.title,
                    press.name,
                )
            else:
                go()

    def _release(self) -> None:
        """The question was answered (its write sent) or dropped: the presses held behind it go,
        in order, until one of them asks a question of its own."""
        self._asking = False
        while self._held and not self._asking:
            self._held.popleft()[2]()

    def _run(self, parent: QWidget | None, press: Press | None, fn: Callable[[], object]) -> None:
        """Send one write to the worker; a duress goes before the writes still queued."""
        if press is None:  # this very press is being saved already
            return
        self._start(press)
        urgent = press.action is Action.DURESS

        def write() -> object:  # on the write worker
            result = fn()
            return (
                NewAlarm(result, self._details_of(result)) if isinstance(result, Alarm) else result
            )

        self._in_order(
            press,
            lambda: save(
                self.writer,
                write,
                lambda outcome: self._saved(parent, press, outcome),
                urgent=urgent,
                what=f"{NOUNS[press.action]} for {press.name}",
            ),
            urgent=urgent,
        )

    def _details_of(self, alarm: Alarm) -> list[AlarmDetail] | None:
        """On the write worker, right after the write: what the new alarm's window shows (the
        open alarms of its visit). The alarm is recorded whatever this read does."""
        try:
            if alarm.visit_id is None:
                return self.alarms.details([alarm.id])
            return self.alarms.details(visit_ids={alarm.visit_id})
        except SQLAlchemyError as err:
            log.warning("The new alarm %s was recorded; reading it back failed: %s", alarm.id, err)
            return None

    def _saved(self, parent: QWidget | None, press: Press, outcome: Outcome) -> None:
        self._settle(press)
        if outcome.recorded:
            self.recorded.emit()
            if isinstance(outcome.result, NewAlarm):
                self.alarm_started.emit(outcome.result)
        else:
            self._tell_not_recorded(parent, press, outcome)

    def _tell_not_recorded(self, parent: QWidget | None, press: Press, outcome: Outcome) -> None:
        text = outcome.refused or not_recorded(NOUNS[press.action], outcome)
        if self.stopped:  # the window has gone: nobody to tell on screen
            log.warning("%s for %s not recorded: %s", press.title, press.name, text)
            return
        self.failed.emit(text)
        dialogs.inform(
            parent, f"{press.title}: not recorded", text, "warning" if outcome.refused else "error"
        )

    def _read_then(
        self,
        parent: QWidget | None,
        press: Press,
        read: Callable[[], object],
        then: Callable[[Any], None],
    ) -> None:
        """A question needs a fact from the database first: read it on the worker (in order
        with the writes), then ask on the GUI thread, then write; presses made meanwhile wait."""
        self._start(press)

        def answered(outcome: Outcome) -> None:
            self._settle(press)
            self._asking = False  # its own write goes now, before the presses held behind it
            try:
                if not outcome.recorded:
                    self._tell_not_recorded(parent, press, outcome)
                elif self.stopped:  # the window closed while the fact was being read
                    log.warning(
                        "%s for %s not recorded: the window closed before it could be asked",
                        press.title,
                        press.name,
                    )
                else:
                    then(outcome.result)
            finally:
                self._release()

        def begin() -> None:
            self._asking = True
            save(self.writer, read, answered, what=f"{NOUNS[press.action]} for {press.name}")

        self._in_order(press, begin, asks=True)

    def depart(self, visit_id: int, parent: QWidget | None = None) -> None:
        press = self._press(Action.DEPART, "Departed", visit_id)
        if press is None:
            return

        def ask(waiting: Any) -> None:
            if waiting and not dialogs.confirm(
                parent,
                "Responsible contact not confirmed",
                str(waiting) + "\n\nRecord the departure anyway?",
            ):
                return
            self._run(parent, press, lambda: self.tracker.depart(self.actor, visit_id))

        unconfirmed = ResponsibleContacts(self.tracker.db, self.clock).unconfirmed
        self._read_then(parent, press, lambda: unconfirmed(visit_id), ask)

    def arrive(self, visit_id: int, parent: QWidget | None = None) -> None:
        press = self._press(Action.ARRIVE, "Arrived", visit_id)
        if press is None:
            return

        def ask(needs_parent: Any) -> None:
            present: bool | None = None
            if needs_parent:
                present = dialogs.confirm(
                    parent,
                    "Arrived",
                    "Is a parent or carer present?\n\nThe visit goes ahead only with a parent or "
                    "carer present (not needed for attendance visits).",
                )
            self._run(
                parent,
                press,
                lambda: self.tracker.arrive(self.actor, visit_id, parent_present=present),
            )

        self._read_then(parent, press, lambda: self.tracker.needs_parent_present(visit_id), ask)

    def check_in(
        self, visit_id: int, parent: QWidget | None = None, *, parent_arrived: bool = False
    ) -> None:
        action = Action.PARENT_ARRIVED if parent_arrived else Action.CHECK_IN
        self._run(
            parent,
            self._press(action, "Check in", visit_id),
            lambda: self.tracker.check_in(self.actor, visit_id, parent_arrived=parent_arrived),
        )

    def office_call(self, visit_id: int, answered: bool, parent: QWidget | None = None) -> None:
        self._run(
            parent,
            self._press(Action.OFFICE_CALL, "Office call", visit_id),
            lambda: self.tracker.office_call(self.actor, visit_id, answered),
        )

    def left_property(self, visit_id: int, parent: QWidget | None = None) -> None:
        self._run(
            parent,
            self._press(Action.LEFT_PROPERTY, "Left the property", visit_id),
            lambda: self.tracker.left_property(self.actor, visit_id),
        )

    def returned(self, visit_id: int, parent: QWidget | None = None) -> None:
        self._run(
            parent,
            self._press(Action.RETURNED, "Returned to school", visit_id),
            lambda: self.tracker.returned(self.actor, visit_id),
        )

    def running_late(self, visit: Visit, parent: QWidget | None = None) -> None:
        press = self._press(Action.RUNNING_LATE, "Running late", visit.id, visit.household.name)
        if press is None:  # being saved already: not asked twice
            return
        answer = ask_new_return(parent, visit, self.clock.now())
        if answer is None:
            return
        when, note = answer
        self._run(
            parent,
            press,
            lambda: self.tracker.running_late(self.actor, visit.id, when, note),
        )

    def parent_not_present(self, visit: Visit, parent: QWidget | None = None) -> None:
        press = self._press(
            Action.PARENT_NOT_PRESENT, "Parent not present", visit.id, visit.household.name
        )
        if press is None:  # being saved already: not asked twice
            return
        policy = self.tracker.policy()
        late_notice = False
        if policy.parent_wait_if_late_notice_min is not None:
            late_notice = dialogs.confirm(
                parent,
                "Parents not present",
                "Did the parents say beforehand that they would be late?\n\n"
                f"Yes: wait up to {policy.parent_wait_if_late_notice_min} minutes.\n"
                f"No: wait up to {policy.parent_wait_min} minutes.",
            )
        self._run(
            parent,
            press,
            lambda: self.tracker.parent_not_present(self.actor, visit.id, late_notice),
        )

    def cancel_parent_absent(self, visit: Visit, parent: QWidget | None = None) -> None:
        press = self._press(
            Action.CANCEL_PARENT_ABSENT, "Cancel visit", visit.id, visit.household.name
        )
        if press is None:  # being saved already: not asked twice
            return
        if not dialogs.confirm(
            parent,
            "Cancel the visit?",
            f"Cancel the visit to {visit.household.name} as 'parent not present'?\n\n"
            "The staff stay on the tracker until you record that they are back at school.",
        ):
            return
        self._run(
            parent,
            press,
            lambda: self.tracker.cancel_parent_not_present(self.actor, visit.id),
        )

    def duress(self, visit_id: int, parent: QWidget | None = None) -> None:
        self._run(
            parent,
            self._press(Action.DURESS, "Duress", visit_id),
            lambda: self.tracker.duress(self.actor, visit_id),
        )

    def drill(self, visit: Visit, parent: QWidget | None = None) -> None:
        press = self._press(Action.DRILL, "Drill", visit.id, visit.household.name)
        if press is None:  # being saved already: not asked twice
            return
        if not dialogs.confirm(
            parent,
            "Start a drill?",
            f"Raise a practice alarm (DRILL) on the visit to {visit.household.name}?\n\n"
            "It walks the escalation ladder like a real alarm, is labelled DRILL everywhere and "
            "is kept out of the alarm statistics. Do not ring real numbers unless the drill "
            "has been agreed with the staff.",
        ):
            return
        self._run(
            parent,
            press,
            lambda: self.alarms.start_drill(self.actor, visit.id, "office drill"),
        )
