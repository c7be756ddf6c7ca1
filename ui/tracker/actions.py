"""The one-click tracker actions, wherever they are pressed: Today panel, toolbar, visit menus.

Each runs one service call (one transaction, one Event with the user and time); a refusal is shown
plainly and nothing is recorded; success tells every screen to refresh (`recorded`).
Two seams for tests, like ui.dialogs: `ask_new_return` and `choose_visit`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

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
from hvdesk.errors import HvdeskError
from hvdesk.models import Alarm, Role, Visit
from hvdesk.services.alarms import AlarmService
from hvdesk.services.base import Actor
from hvdesk.services.texts_in import ResponsibleContacts
from hvdesk.services.tracker import TrackerService
from ui import dialogs


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

NOT_RECORDED = (
    "The database is not answering, so nothing was recorded: press it again when the database "
    "answers."
)


class TrackerActions(QObject):
    """Runs tracker actions for the signed-in user and reports what happened."""

    recorded = Signal()  # something was written: refresh every screen and re-plan the timers
    alarm_started = Signal(int)  # an alarm id raised by a press (duress, drill): show it now

    def __init__(
        self,
        tracker: TrackerService,
        alarms: AlarmService,
        actor: Actor,
        clock: Clock,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.tracker, self.alarms, self.actor, self.clock = tracker, alarms, actor, clock

    @property
    def can_handle(self) -> bool:
        return self.actor.role in (Role.OFFICE.value, Role.APPROVER.value, Role.ADMIN.value)

    def _run(self, parent: QWidget | None, title: str, fn: Callable[[], object]) -> bool:
        try:
            result = fn()
        except HvdeskError as err:
            dialogs.inform(parent, f"{title}: not recorded", str(err), "warning")
            return False
        except SQLAlchemyError as err:  # never a traceback: say what happened and what to do
            dialogs.inform(
                parent,
                f"{title}: not recorded",
                f"{NOT_RECORDED} Check the network or the database server.\n\n"
                f"({type(err).__name__})",
                "error",
            )
            return False
        self.recorded.emit()
        if isinstance(result, Alarm):
            self.alarm_started.emit(result.id)
        return True

    def depart(self, visit_id: int, parent: QWidget | None = None) -> bool:
        waiting = ResponsibleContacts(self.tracker.db, self.clock).unconfirmed(visit_id)
        if waiting and not dialogs.confirm(
            parent,
            "Responsible contact not confirmed",
            waiting + ("\n\nRecord the departure anyway?"),
        ):
            return False
        return self._run(parent, "Departed", lambda: self.tracker.depart(self.actor, visit_id))

    def arrive(self, visit_id: int, parent: QWidget | None = None) -> bool:
        present: bool | None = None
        if self.tracker.needs_parent_present(visit_id):
            present = dialogs.confirm(
                parent,
                "Arrived",
                "Is a parent or carer present?\n\nThe visit goes ahead only with a parent or "
                "carer present (not needed for attendance visits).",
            )
        return self._run(
            parent,
            "Arrived",
            lambda: self.tracker.arrive(self.actor, visit_id, parent_present=present),
        )

    def check_in(
        self, visit_id: int, parent: QWidget | None = None, *, parent_arrived: bool = False
    ) -> bool:
        return self._run(
            parent,
            "Check in",
            lambda: self.tracker.check_in(self.actor, visit_id, parent_arrived=parent_arrived),
        )

    def office_call(self, visit_id: int, answered: bool, parent: QWidget | None = None) -> bool:
        return self._run(
            parent,
            "Office call",
            lambda: self.tracker.office_call(self.actor, visit_id, answered),
        )

    def left_property(self, visit_id: int, parent: QWidget | None = None) -> bool:
        return self._run(
            parent, "Left the property", lambda: self.tracker.left_property(self.actor, visit_id)
        )

    def returned(self, visit_id: int, parent: QWidget | None = None) -> bool:
        return self._run(
            parent, "Returned to school", lambda: self.tracker.returned(self.actor, visit_id)
        )

    def running_late(self, visit: Visit, parent: QWidget | None = None) -> bool:
        answer = ask_new_return(parent, visit, self.clock.now())
        if answer is None:
            return False
        when, note = answer
        return self._run(
            parent,
            "Running late",
            lambda: self.tracker.running_late(self.actor, visit.id, when, note),
        )

    def parent_not_present(self, visit: Visit, parent: QWidget | None = None) -> bool:
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
        return self._run(
            parent,
            "Parent not present",
            lambda: self.tracker.parent_not_present(self.actor, visit.id, late_notice),
        )

    def cancel_parent_absent(self, visit: Visit, parent: QWidget | None = None) -> bool:
        if not dialogs.confirm(
            parent,
            "Cancel the visit?",
            f"Cancel the visit to {visit.household.name} as 'parent not present'?\n\n"
            "The staff stay on the tracker until you record that they are back at school.",
        ):
            return False
        return self._run(
            parent,
            "Cancel visit",
            lambda: self.tracker.cancel_parent_not_present(self.actor, visit.id),
        )

    def duress(self, visit_id: int, parent: QWidget | None = None) -> bool:
        return self._run(parent, "Duress", lambda: self.tracker.duress(self.actor, visit_id))

    def drill(self, visit: Visit, parent: QWidget | None = None) -> bool:
        if not dialogs.confirm(
            parent,
            "Start a drill?",
            f"Raise a practice alarm (DRILL) on the visit to {visit.household.name}?\n\n"
            "It walks the escalation ladder like a real alarm, is labelled DRILL everywhere and "
            "is kept out of the alarm statistics. Do not ring real numbers unless the drill "
            "has been agreed with the staff.",
        ):
            return False
        return self._run(
            parent, "Drill", lambda: self.alarms.start_drill(self.actor, visit.id, "office drill")
        )
