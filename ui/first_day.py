"""Today's 'First day' checklist for a school that started empty: each step ticks itself off
from the data and its button opens the screen where it is done. It goes away once all are done.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QGridLayout, QGroupBox, QLabel, QPushButton, QVBoxLayout, QWidget

from hvdesk.services.first_day import FirstDayService, FirstDayStep
from ui.a11y import ValueLabel, ink

if TYPE_CHECKING:
    from ui.shell import Shell
    from ui.worker import Worker

DONE, TO_DO = "✓ Done", "○ To do"


@dataclass(frozen=True)
class FirstDayFeature:
    """The checklist on Today (found by shell.feature; tests read it)."""

    checklist: FirstDayChecklist


class FirstDayChecklist(QGroupBox):
    """Reads the data on the background worker (the GUI thread never waits on the database) and
    shows each step; once a school is set up (or has visits) it hides for good."""

    def __init__(
        self,
        service: FirstDayService,
        worker: Worker,
        open_screen: Callable[[str], None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("First day: set up hvdesk for your school", parent)
        self.setAccessibleName("First day checklist")
        self.service = service
        self.worker = worker
        self.open_screen = open_screen
        self.hint = QLabel(
            "Work down the list; each step ticks itself off when it is done. "
            "Then book the first visit (Ctrl+N)."
        )
        self.hint.setWordWrap(True)
        self.grid = QGridLayout()
        self.rows: dict[str, tuple[ValueLabel, QLabel, QPushButton]] = {}
        layout = QVBoxLayout(self)
        layout.addWidget(self.hint)
        layout.addLayout(self.grid)
        self.steps: list[FirstDayStep] = []
        self.finished = False
        self.loads = 0  # answers shown so far (tests wait on it)
        self.hide()  # until the data says there is something to do

    def refresh(self, _change: object = None) -> None:
        if self.finished:
            return  # set up: the list has gone for good (no more queries on every change)
        service = self.service
        self.worker.submit(
            lambda: None if service.past_first_day() else service.steps(), self._show
        )

    def _show(self, steps: list[FirstDayStep] | None) -> None:
        self.loads += 1
        if self.finished:
            return
        if steps is None:  # a school with visits is past its first day
            self.finished = True
            self.hide()
            return
        self.steps = steps
        for i, step in enumerate(steps):
            state, _title, button = self._row(i, step)
            state.setText(f"{DONE if step.done else TO_DO} ({step.detail})")
            state.setStyleSheet(f"color: {ink('#1b5e20')};" if step.done else "font-weight: bold;")
            button.setAccessibleName(f"{step.title}: open {step.screen}")
        self.finished = all(s.done for s in steps)
        self.setVisible(not self.finished)

    def _row(self, i: int, step: FirstDayStep) -> tuple[ValueLabel, QLabel, QPushButton]:
        """The step's row: its state (named after the step), its title, the button to its screen."""
        if step.key not in self.rows:
            state = ValueLabel(step.title)
            title = QLabel(step.title)
            title.setWordWrap(True)
            button = QPushButton(f"Open {step.screen}")
            button.clicked.connect(lambda _c=False, s=step.screen: self.open_screen(s))
            self.grid.addWidget(state, i, 0)
            self.grid.addWidget(title, i, 1)
            self.grid.addWidget(button, i, 2)
            self.grid.setColumnStretch(1, 1)
            self.rows[step.key] = (state, title, button)
        return self.rows[step.key]


def install(window: Shell) -> None:
    service = FirstDayService(window.services.db, window.services.clock)

    def open_screen(name: str) -> None:
        if name in window.panels:
            window.show_panel(name)
        else:  # e.g. Users is for admins and approvers
            from ui import dialogs

            dialogs.inform(
                window.dialog_parent(),
                name,
                f"Ask your administrator or headteacher: the {name} screen is theirs.",
            )

    checklist = FirstDayChecklist(service, window.worker, open_screen)
    layout = window.today.layout()
    if isinstance(layout, QVBoxLayout):
        layout.insertWidget(0, checklist)
    window.register(FirstDayFeature(checklist))
    checklist.refresh()
    window.live.changed.connect(checklist.refresh)
