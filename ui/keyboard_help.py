"""Help > Keyboard help (F1): every key hvdesk answers to, read from the live menus.

The menus are the source (each action's own shortcut), so a key added by any feature shows here
without editing this page; the keys that belong to no menu (alarm windows, tables, the calendar)
are listed below them.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import TYPE_CHECKING, get_args

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QMenu, QTextBrowser, QVBoxLayout, QWidget

from ui.shell import MenuName
from ui.tracker.keys import TAKE_ALARM_KEY

if TYPE_CHECKING:
    from ui.shell import Shell

HELP_KEY = "F1"
# Keys that live in a window or a view, not in a menu.
OTHER_KEYS: list[tuple[str, list[tuple[str, str]]]] = [
    (
        "Alarm windows",
        [
            (TAKE_ALARM_KEY, "I'm handling this: take the alarm"),
            ("Tab", "after taking it, focus is on the current ladder step's first result"),
            ("Space", "press the focused button (a step result, Resolve)"),
            ("Up / Down", "choose how the alarm is resolved"),
            ("Alt+R", "Resolve"),
        ],
    ),
    (
        "Tables and lists",
        [
            ("Tab / Shift+Tab", "move on to the next control (out of a table to its actions)"),
            ("Up / Down", "choose a row"),
        ],
    ),
    (
        "Calendar",
        [
            ("Ctrl+1 / 2 / 3 / 4", "day, week, month, staff lanes"),
            ("Up / Down", "the previous / next visit, in time order"),
            (
                "Left / Right",
                "the nearest visit the day (or person) before / after; with none "
                "that way, or none chosen, the previous / next day, week or month",
            ),
            ("Page Up / Page Down", "previous / next day, week or month"),
            ("Enter", "open the chosen visit"),
            ("Menu key or Shift+F10", "the chosen visit's actions"),
            ("Tab", "the list of the visits shown, one line each (what a screen reader reads)"),
            ("T", "today"),
        ],
    ),
]


def menu_keys(menu: QMenu, prefix: str = "") -> list[tuple[str, str]]:
    rows = []
    for action in menu.actions():
        sub = action.menu()
        if isinstance(sub, QMenu):
            rows += menu_keys(sub, f"{prefix}{action.text().replace('&', '')} > ")
            continue
        key = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        if key and not action.isSeparator():
            rows.append((key, prefix + action.text().replace("&", "")))
    return rows


def help_html(window: Shell) -> str:
    sections: list[tuple[str, list[tuple[str, str]]]] = []
    for name in get_args(MenuName):  # in the menu bar's order
        menu = window.menu(name)
        rows = menu_keys(menu)
        if rows:
            sections.append((f"{menu.title().replace('&', '')} menu", rows))
    sections += OTHER_KEYS
    e = html.escape
    parts = [
        "<h2>Keyboard help</h2>",
        "<p>Every action of hvdesk can be reached without a mouse."
        " Records act on the visit selected on Today (or ask which).</p>",
    ]
    for title, rows in sections:
        body = "".join(
            f"<tr><td><b>{e(k)}</b>&nbsp;&nbsp;</td><td>{e(t)}</td></tr>" for k, t in rows
        )
        parts.append(f"<h3>{e(title)}</h3><table>{body}</table>")
    return "".join(parts)


class KeyboardHelp(QDialog):
    def __init__(self, window: Shell, parent: QWidget | None = None) -> None:
        super().__init__(parent or window.dialog_parent())
        self.setWindowTitle("Keyboard help")
        self.resize(620, 640)
        self.text = QTextBrowser()
        self.text.setAccessibleName("Keyboard help")
        self.text.setTabChangesFocus(True)
        self.text.setHtml(help_html(window))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)


@dataclass
class KeyboardHelpFeature:
    """Help > Keyboard help (F1), and the page while it is open (tests read it)."""

    action: QAction
    dialog: KeyboardHelp | None = None


def install(window: Shell) -> None:
    action = QAction("&Keyboard help", window.dialog_parent())
    action.setShortcut(QKeySequence(HELP_KEY))
    action.setToolTip(f"Every key hvdesk answers to ({HELP_KEY})")
    feature = KeyboardHelpFeature(action)

    def show() -> None:
        feature.dialog = KeyboardHelp(window)
        feature.dialog.open()

    action.triggered.connect(show)
    help_menu = window.menu("help")
    actions = help_menu.actions()
    if actions:
        help_menu.insertAction(actions[0], action)  # first in Help, above About
    else:
        help_menu.addAction(action)
    window.register(feature)
