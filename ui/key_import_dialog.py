"""The app's answer to "encrypted and hvdesk has no key": type the key from the recovery sheet.

An office cannot set an environment variable for a desktop app, so without this a new or rebuilt
PC could not open the school's database at all. The key is kept only once it opens the database
and an admin has signed in on it (hvdesk.key_import, the same as `hvdesk key import`).
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QWidget,
)

from hvdesk.errors import HvdeskError
from hvdesk.key_import import admin_sign_in, import_key


class KeyImportDialog(QDialog):
    def __init__(self, path: Path, error: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.path = path
        self.setWindowTitle("hvdesk has no key for this database")
        intro = QLabel(
            f"{error}\n\nType the key from the school's recovery sheet (8 groups of 8; spaces do "
            "not matter) and sign in as an admin to keep it on this PC."
        )
        intro.setWordWrap(True)
        self.key = QLineEdit()
        self.key.setAccessibleName("Key from the recovery sheet")
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.username = QLineEdit()
        self.username.setAccessibleName("Admin username")
        self.password = QLineEdit()
        self.password.setAccessibleName("Password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #b00020; font-weight: bold;")
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        form = QFormLayout(self)
        form.addRow(intro)
        form.addRow("Type the key from the recovery sheet:", self.key)
        form.addRow("Admin username:", self.username)
        form.addRow("Password:", self.password)
        form.addRow(self.error)
        form.addRow(buttons)

    def save(self) -> None:
        """Keep the key if it opens the database and the admin signs in; else say which field."""
        try:
            import_key(
                self.path,
                self.key.text(),
                admin_sign_in(self.username.text().strip(), self.password.text()),
            )
        except HvdeskError as err:
            self.error.setText(str(err))
            self.password.clear()
            return
        self.accept()
