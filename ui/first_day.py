"""Today's 'First day' checklist for a school that started empty: each step ticks itself off
from the data and its button opens the screen where it is done. It goes away once all are done.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QGridLayout, QGroupBox, QLabel, QPushButton, QVBoxLayout, QWidget

from hvdesk.services.first_day import FirstDayService, FirstDayStep
from ui.a11y import ValueLabel

if TYPE_CHECKING:
    from ui.main_window import MainWindow

DONE, TO_DO = "✓ Done", "○ To do"


class FirstDayChecklist(QGroupBox):
    def __init__(self, service: FirstDayService, open_screen, parent: QWidget | None = None):  # type: ignore[no-untyped-def]
        super().__init__("First day: set up hvdesk for your school", parent)
        self.setAccessibleName("First day checklist")
        self.service = service
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

    def refresh(self) -> None:
        if self.finished:
            return  # set up: the list has gone for good (no more queries on every change)
        if self.service.past_first_day():
            self.finished = True
            self.hide()
            return
        self.steps = self.service.steps()
        for i, step in enumerate(self.steps):
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
            state, title, button = self.rows[step.key]
            state.setText(f"{DONE if step.done else TO_DO} ({step.detail})")
            state.setStyleSheet("color: #1b5e20;" if step.done else "font-weight: bold;")
            button.setAccessibleName(f"{step.title}: open {step.screen}")
        self.finished = all(s.done for s in self.steps)
        self.setVisible(not self.finished)


def install(window: MainWindow) -> None:
    service = FirstDayService(window.services.db, window.services.clock)

    def open_screen(name: str) -> None:
        if name in window.panels:
            window.show_panel(name)
        else:  # e.g. Users is for admins and approvers
            from ui import dialogs

            dialogs.inform(
                window, name, f"Ask your administrator or headteacher: the {name} screen is theirs."
            )

    checklist = FirstDayChecklist(service, open_screen)
    window.first_day = checklist  # type: ignore[attr-defined]
    layout = window.today.layout()
    if layout is not None:
        layout.insertWidget(0, checklist)  # type: ignore[attr-defined]
    checklist.refresh()
    window.data_changed.connect(checklist.refresh)
    window.settings.policy_changed.connect(checklist.refresh)
