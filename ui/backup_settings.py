"""Settings > Backups: where backups go, and the last good backup in each place.

The office should see at a glance that a restorable copy exists, and where: the folder beside the
database and a second folder (a network share) that survives the PC's disk. Checking the backups
opens each file (seconds at ten years of data), so it runs on the window's file worker, never the
GUI thread nor the database worker the live feed uses, and only when Settings is shown: not while
the window is being built, when nobody is looking at it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
)

from hvdesk.backup_places import extra_backup_folders, set_second_folder
from hvdesk.errors import HvdeskError
from hvdesk.restore import Backup, last_good_backups
from ui.a11y import ValueLabel

if TYPE_CHECKING:
    from ui.shell import Shell


def describe(folder: Path, backup: Backup | None) -> str:
    if backup is None:
        return f"{folder}: no good backup yet"
    return f"{folder}: last good backup {backup.label()} ({backup.path.name})"


class BackupBox(QGroupBox):
    def __init__(self, window: Shell, db_path: Path) -> None:
        super().__init__("Backups")
        self.main_window = window  # not `window`: that is QWidget.window()
        self.db_path = db_path
        self.second = QLineEdit()
        self.second.setAccessibleName("Second backup folder")
        self.second.setPlaceholderText("e.g. a network share such as \\\\server\\hvdesk-backups")
        folders = extra_backup_folders(self.db_path)
        self.second.setText(str(folders[0]) if folders else "")
        save = QPushButton("Save folder")
        save.clicked.connect(self.save)
        row = QHBoxLayout()
        row.addWidget(self.second, 1)
        row.addWidget(save)
        self.status = ValueLabel("Last good backups", "Checking the backups…")
        self.status.setWordWrap(True)
        self.message = QLabel()
        self.message.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow("Second backup folder:", row)
        form.addRow(self.message)
        form.addRow("Last good backups:", self.status)

    def showEvent(self, event: QShowEvent) -> None:
        """Checked each time Settings is shown: the backups may have moved on since."""
        super().showEvent(event)
        self.check()

    def check(self) -> None:
        self.main_window.file_worker.submit(
            lambda: last_good_backups(self.db_path, extra_backup_folders(self.db_path)),
            self._show,
            lambda message: self.status.setText(f"Could not check the backups: {message}"),
            what="checking the backups",
        )

    def _show(self, found: list[tuple[Path, Backup | None]]) -> None:
        self.status.setText("\n".join(describe(folder, backup) for folder, backup in found))

    def save(self) -> None:
        try:
            folder = set_second_folder(self.db_path, self.second.text())
        except HvdeskError as err:
            self.message.setText(str(err))
            return
        self.message.setText(
            f"Daily backups are copied to {folder} too." if folder else "No second folder."
        )
        self.check()


@dataclass(frozen=True)
class BackupFeature:
    """The Settings screen's Backups group (found by shell.feature; SQLite only)."""

    box: BackupBox


def install(window: Shell) -> None:
    path = window.services.db.path
    if path is None:
        return  # PostgreSQL is backed up on the server (pg_dump); no local file to copy
    box = BackupBox(window, path)
    window.settings.extra_sections.addWidget(box)
    window.register(BackupFeature(box))
