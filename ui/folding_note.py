"""A warning above a table that takes one line until it is opened: 'Show' / 'Hide'.

At 1280x800 and 125% scaling, Today's notes (the start-up note lists every alarm raised while
hvdesk was not running, one line each) pushed 'Out now' down to about one row. A folded note
shows its headline and its actions on one line; its details open below with 'Show' (a button
Tab reaches, named for screen readers after the note) and close again with 'Hide'.
"""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QPushButton, QVBoxLayout, QWidget

from ui.value_label import ValueLabel, plain_text


class FoldingNote(QFrame):
    """A headline, its action buttons, and details shown only when opened.

    `linkActivated(link)` is sent by an action button (`add_action`) and by a link in the
    details, as a QLabel's would be."""

    linkActivated = Signal(str)

    def __init__(
        self, field: str, ink: str, paper: str, border: str = "", parent: QWidget | None = None
    ) -> None:
        """`ink` on `paper` (the texts' own colours: they read in a high-contrast theme too),
        with a 1 px `border` if given."""
        super().__init__(parent)
        self.field = field
        self.setObjectName("foldingNote")
        edge = f" border: 1px solid {border};" if border else ""
        self.setStyleSheet(f"QFrame#foldingNote {{ background: {paper}; color: {ink};{edge} }}")
        self.headline = ValueLabel(field)
        self.headline.setWordWrap(True)  # one line when there is room, else two: never cut
        self.details = ValueLabel(field)
        self.details.setWordWrap(True)
        for label in (self.headline, self.details):
            label.setStyleSheet(f"background: {paper}; color: {ink}; border: none;")
        self.details.linkActivated.connect(self.linkActivated)
        self.details.hide()
        self.toggle = QPushButton("Show")
        self.toggle.clicked.connect(lambda: self.set_open(self.details.isHidden()))
        self.actions_row = QHBoxLayout()
        self.actions_row.setContentsMargins(0, 0, 0, 0)
        self.actions_row.addWidget(self.headline, 1)
        self.actions_row.addWidget(self.toggle)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 3, 6, 3)
        layout.setSpacing(2)
        layout.addLayout(self.actions_row)
        layout.addWidget(self.details)
        self._name_toggle()

    def add_action(self, text: str, link: str, name: str = "") -> QPushButton:
        """A button on the headline's line that sends `linkActivated(link)`."""
        button = QPushButton(text)
        button.setAccessibleName(name or text)
        button.clicked.connect(lambda: self.linkActivated.emit(link))
        self.actions_row.addWidget(button)
        return button

    def setText(self, headline: str, details: str = "") -> None:
        """The one line, and what 'Show' opens (none: no 'Show'). The note stays as it was,
        open or folded."""
        self.headline.setText(headline)
        self.details.setText(details)
        self.toggle.setVisible(bool(details))
        if not details:
            self.set_open(False)
        self._name_toggle()

    def text(self) -> str:
        """All the note says, headline and details, as plain text."""
        return " ".join(
            t for t in (plain_text(self.headline.text()), plain_text(self.details.text())) if t
        )

    def is_open(self) -> bool:
        return not self.details.isHidden()

    def set_open(self, shown: bool) -> None:
        self.details.setVisible(shown and bool(self.details.text()))
        self._name_toggle()

    def _name_toggle(self) -> None:
        shown = self.is_open()
        self.toggle.setText("Hide" if shown else "Show")
        what = "Hide the details of" if shown else "Show the details of"
        self.toggle.setAccessibleName(f"{what}: {self.field}")
        self.toggle.setToolTip(f"{what} this note")
