"""'Timeline…' on the Households screen: the household's whole story in one table."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QPushButton, QVBoxLayout

from hvdesk.clock import fmt_datetime
from hvdesk.services.timeline import TimelineEntry, TimelineService
from ui.models.table import Column, RowTableModel
from ui.panels.today import _table

if TYPE_CHECKING:
    from ui.shell import Shell

COLUMNS: list[Column[TimelineEntry]] = [
    Column("When", lambda e: fmt_datetime(e.at), sort=lambda e: e.at),
    Column("What", lambda e: e.what),
    Column("Details", lambda e: e.text.replace("\n", " ")[:160], tooltip=lambda e: e.text),
    Column("By", lambda e: e.who),
    Column("Visit", lambda e: str(e.visit_id or "")),
]


class TimelineDialog(QDialog):
    def __init__(self, title: str, entries: list[TimelineEntry], parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Timeline: {title}")
        self.setAccessibleName(self.windowTitle())
        self.resize(980, 520)
        self.model: RowTableModel[TimelineEntry] = RowTableModel(COLUMNS, self)
        self.model.set_rows(entries)
        self.view = _table(self.model, "Household timeline")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)


class TimelineFeature:
    """'Timeline…' on the Households screen, and the dialog it last opened (found by
    shell.feature)."""

    def __init__(self, window: Shell, service: TimelineService, button: QPushButton) -> None:
        self.window, self.service, self.button = window, service, button
        self.dialog: TimelineDialog | None = None

    def show(self) -> None:
        household = self.window.households.selected()
        if household is None:
            return
        self.dialog = TimelineDialog(
            household.name, self.service.household(household.id), self.window
        )
        self.dialog.open()


def install(window: Shell) -> None:
    service = TimelineService(window.services.db, window.services.clock)
    button = QPushButton("Timeline…")
    button.setAccessibleName("Timeline of the selected household")
    feature = TimelineFeature(window, service, button)
    button.clicked.connect(lambda _c=False: feature.show())
    layout = window.households.layout()
    first = layout.itemAt(0) if layout is not None else None
    bar = first.layout() if first is not None else None  # the panel's button bar, above the list
    if bar is not None:
        bar.addWidget(button)
    window.register(feature)
