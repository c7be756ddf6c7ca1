"""An accessibility audit of a live window, as a screen reader and a keyboard user meet it.

It reads the window only through Qt's accessibility interface (QAccessible: the tree NVDA and Orca
get through UI Automation / AT-SPI) and presses only Tab, and reports what a person would stumble
on: a control without a name, a label whose text a screen reader cannot read, a focusable control
Tab never reaches (a table that swallows Tab, say).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from PySide6.QtCore import Qt
from PySide6.QtGui import QAccessible, QAccessibleInterface, QTextDocument
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractScrollArea,
    QApplication,
    QComboBox,
    QLabel,
    QWidget,
)
from pytestqt.qtbot import QtBot

R = QAccessible.Role
# Roles a person operates: each needs a name saying what it is.
CONTROLS = {
    R.PushButton,
    R.CheckBox,
    R.RadioButton,
    R.ComboBox,
    R.EditableText,
    R.SpinBox,
    R.Slider,
    R.Table,
    R.List,
    R.Tree,
    R.PageTab,
    R.ButtonMenu,
    R.ButtonDropDown,
    R.MenuItem,
    R.Link,
}
NAME, VALUE = QAccessible.Text.Name, QAccessible.Text.Value


@dataclass
class Node:
    role: QAccessible.Role
    name: str
    value: str
    obj: object
    depth: int


@dataclass
class Findings:
    nameless: list[str] = field(default_factory=list)
    hidden_values: list[str] = field(default_factory=list)
    unreachable: list[str] = field(default_factory=list)
    silent_stops: list[str] = field(default_factory=list)
    unlabelled_drop_downs: list[str] = field(default_factory=list)
    read: list[Node] = field(default_factory=list)

    def problems(self) -> list[str]:
        return (
            [f"control without a name: {n}" for n in self.nameless]
            + [f"label text not exposed: {n}" for n in self.hidden_values]
            + [f"Tab never reaches: {n}" for n in self.unreachable]
            + [f"Tab lands on something without a name: {n}" for n in self.silent_stops]
            + [
                f"drop-down without a label (Orca says only its choice): {n}"
                for n in self.unlabelled_drop_downs
            ]
        )

    def text(self) -> list[str]:
        """What a screen reader reads, in order: names, then values where there are any."""
        return [f"{n.name} {n.value}".strip() for n in self.read if n.name or n.value]


def plain(text: str) -> str:
    """A label's text as read aloud: rich text rendered, mnemonics and spacing normalised."""
    if "<" in text and ">" in text:
        doc = QTextDocument()
        doc.setHtml(text)
        text = doc.toPlainText()
    text = text.replace("&&", "\0").replace("&", "").replace("\0", "&")
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


def describe(obj: object) -> str:
    if isinstance(obj, QWidget):
        path = []
        w: QWidget | None = obj
        while w is not None and len(path) < 3:
            path.append(w.objectName() or type(w).__name__)
            w = w.parentWidget()
        text = getattr(obj, "text", lambda: "")()
        return f"{type(obj).__name__} '{plain(str(text))[:40]}' in {'/'.join(reversed(path))}"
    return repr(obj)


def walk(iface: QAccessibleInterface | None, depth: int = 0) -> Iterator[Node]:
    if iface is None or not iface.isValid() or depth > 40:
        return
    state = iface.state()
    if state.invisible:
        return
    yield Node(iface.role(), iface.text(NAME) or "", iface.text(VALUE) or "", iface.object(), depth)
    for i in range(iface.childCount()):
        yield from walk(iface.child(i), depth + 1)


def _label_exposed(label: QLabel, name: str) -> bool:
    text = plain(label.text())
    if not text:
        return True
    said = plain(name)
    # a long text is exposed when its beginning is (screen readers read the rest on demand)
    return text[:60] in said or (said in text and len(said) >= min(len(text), 60))


def audit_tree(top: QWidget) -> Findings:
    QAccessible.setActive(True)
    found = Findings()
    for node in walk(QAccessible.queryAccessibleInterface(top)):
        found.read.append(node)
        obj = node.obj
        if node.role in CONTROLS and not plain(node.name):
            if isinstance(obj, QWidget) and not obj.isVisible():
                continue
            found.nameless.append(f"{node.role.name}: {describe(obj)}")
        if isinstance(obj, QLabel) and obj.isVisible() and not _label_exposed(obj, node.name):
            found.hidden_values.append(f"{describe(obj)} reads as '{node.name}'")
        if _unlabelled_drop_down(obj):
            found.unlabelled_drop_downs.append(f"{describe(obj)} named '{obj.accessibleName()}'")
    return found


def _unlabelled_drop_down(obj: object) -> bool:
    """A drop-down no label is the buddy of: on Linux Qt names a drop-down by its choice and
    Orca takes the field from the label ('Policy preset: combo box'), never from the name."""
    if not isinstance(obj, QComboBox) or obj.isEditable() or not obj.isVisible():
        return False
    iface = QAccessible.queryAccessibleInterface(obj)
    return not iface.relations(QAccessible.RelationFlag.Label)


def _focusable(top: QWidget) -> list[QWidget]:
    widgets = []
    for w in top.findChildren(QWidget):
        if w.window() is not top or not w.isVisible() or not w.isEnabled():
            continue
        if not (w.focusPolicy() & Qt.FocusPolicy.TabFocus) or w.focusProxy() is not None:
            continue
        parent = w.parentWidget()
        if isinstance(parent, QAbstractScrollArea) and w is not parent.viewport():
            continue  # a scroll bar: reached with the arrow keys inside its view
        if isinstance(w, QAbstractButton) and w.objectName().startswith("qt_"):
            continue  # Qt's own internal buttons (a scroll area's corner, a tab bar's scroller)
        widgets.append(w)
    return widgets


def _owner(w: QWidget | None, wanted: set[int]) -> QWidget | None:
    while w is not None and id(w) not in wanted:
        w = w.parentWidget()
    return w


def _exclusive_set(w: QWidget) -> list[QAbstractButton]:
    if not isinstance(w, QAbstractButton):
        return []
    group = w.group()
    if group is not None and group.exclusive():
        return group.buttons()
    if w.autoExclusive() and w.parentWidget() is not None:
        return [b for b in w.parentWidget().findChildren(QAbstractButton) if b.autoExclusive()]
    return []


def _silent(w: QWidget) -> bool:
    """A Tab stop a screen reader announces as nothing (an unnamed scroll area, say)."""
    iface = QAccessible.queryAccessibleInterface(w)
    return iface is not None and not plain(iface.text(NAME))


def tab_reach(qtbot: QtBot, top: QWidget, silent: list[str] | None = None) -> list[str]:
    """Press Tab from the first control round the window; name what it never lands on, and
    collect into `silent` where it lands on a widget without a name."""
    focusable = _focusable(top)
    if not focusable:
        return []
    top.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is top, timeout=2000)
    wanted = {id(w) for w in focusable}
    focusable[0].setFocus(Qt.FocusReason.TabFocusReason)
    reached: set[int] = set()
    for _ in range(2 * len(focusable) + 10):
        now = QApplication.focusWidget()
        owner = _owner(now, wanted)
        if owner is not None:
            reached.add(id(owner))
        if now is None or now.window() is not top:
            break
        if silent is not None and _silent(now) and describe(now) not in silent:
            silent.append(describe(now))
        qtbot.keyClick(now, Qt.Key.Key_Tab)
    missed = []
    for w in focusable:
        if id(w) in reached:
            continue
        if any(id(s) in reached for s in _exclusive_set(w)):
            continue  # one of an exclusive set takes Tab; the arrow keys move between the others
        missed.append(describe(w))
    return missed


def audit(qtbot: QtBot, top: QWidget, tab: bool = True) -> Findings:
    found = audit_tree(top)
    if tab:
        found.unreachable = tab_reach(qtbot, top, found.silent_stops)
    return found
