"""The wrapping status bar: QStatusBar's API kept, texts wrap to a second line, never cut."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QLabel, QMainWindow

from ui.status_bar import WrappingStatusBar

pytestmark = pytest.mark.ui


@pytest.fixture
def bar(qtbot):
    window = QMainWindow()
    qtbot.addWidget(window)
    status = WrappingStatusBar(window)
    window.setStatusBar(status)
    window.resize(400, 300)
    window.show()
    return window, status


def _label(text: str) -> QLabel:
    label = QLabel(text)
    label.setObjectName(text)
    return label


def test_the_order_follows_add_insert_and_permanent_like_qstatusbar(bar, qtbot):
    _window, status = bar
    first, counts, user, monitor = (_label(t) for t in ("first", "counts", "user", "monitor"))
    status.addWidget(first)
    status.addWidget(counts)
    status.addPermanentWidget(user)
    status.insertPermanentWidget(0, monitor)
    warning = _label("warning")
    status.insertWidget(1, warning)
    names = [w.objectName() for w in status.widgets() if w is not status.message_label]
    assert names == ["first", "warning", "counts", "monitor", "user"]
    qtbot.waitUntil(lambda: all(w.isVisible() for w in (first, warning, counts, user, monitor)))


def test_a_widget_hidden_before_it_is_added_stays_hidden_until_shown(bar, qtbot):
    _window, status = bar
    badge = _label("ALARM SOUND OFF")
    badge.setVisible(False)
    status.insertWidget(0, badge)
    qtbot.wait(0)
    assert badge.isHidden()
    badge.show()
    qtbot.waitUntil(badge.isVisible)


def test_too_much_for_one_line_wraps_and_shows_every_text_whole(bar, qtbot):
    window, status = bar
    labels = [_label(f"a status text number {n}") for n in range(6)]
    for label in labels:
        status.addWidget(label)
    qtbot.waitUntil(lambda: status.flow.rows(status.area.width()) > 1)
    one_line = max(label.sizeHint().height() for label in labels)
    qtbot.waitUntil(lambda: status.area.height() >= 2 * one_line)
    qtbot.waitUntil(lambda: all(lb.width() == lb.sizeHint().width() for lb in labels))
    for label in labels:
        assert label.isVisible()
        assert status.area.rect().contains(label.geometry())  # inside the bar, not cut off
    window.resize(2400, 300)
    qtbot.waitUntil(lambda: status.flow.rows(status.area.width()) == 1)
    qtbot.waitUntil(lambda: status.area.height() < 2 * one_line)


def test_a_message_shows_beside_the_labels_and_goes(bar, qtbot):
    _window, status = bar
    monitoring = _label("Monitoring: ON")
    status.addWidget(monitoring)
    status.showMessage("Importing attendance from marks.csv…")
    qtbot.waitUntil(status.message_label.isVisible)
    assert status.message_label.text() == "Importing attendance from marks.csv…"
    assert monitoring.isVisible()  # a message never hides Monitoring
    status.clearMessage()
    qtbot.waitUntil(status.message_label.isHidden)


def test_removing_a_widget_takes_it_out_of_the_flow(bar, qtbot):
    _window, status = bar
    label = _label("saved")
    status.addPermanentWidget(label)
    status.removeWidget(label)
    assert label not in status.widgets() and label.isHidden()


def _accessible_children(widget) -> list[str]:
    """The names a screen reader is given, in the order it walks them."""
    from PySide6.QtGui import QAccessible

    face = QAccessible.queryAccessibleInterface(widget)
    names = []
    for i in range(face.childCount()):
        child = face.child(i)
        if child is not None and not child.state().invisible:
            names.append(child.text(QAccessible.Text.Name))
    return names


def test_a_screen_reader_walks_the_bar_in_the_order_it_is_shown(bar, qtbot):
    from PySide6.QtGui import QAccessible

    _window, status = bar
    for text in ("Monitoring: ON", "5 out now", "policy: Harborne"):
        label = _label(text)
        label.setAccessibleName(text)
        status.addWidget(label)
    user = _label("Sam Office (office)")
    user.setAccessibleName("Signed in: Sam Office (office)")
    status.addPermanentWidget(user)
    warning = _label("⚠ ALARM SOUND OFF")  # added last, shown second
    warning.setAccessibleName("⚠ ALARM SOUND OFF")
    status.insertWidget(1, warning)
    qtbot.waitUntil(warning.isVisible)
    face = QAccessible.queryAccessibleInterface(status)
    assert face.text(QAccessible.Text.Name) == "Status"
    assert _accessible_children(status.area) == [
        "Monitoring: ON",
        "⚠ ALARM SOUND OFF",
        "5 out now",
        "policy: Harborne",
        "Signed in: Sam Office (office)",
    ]


def test_one_long_text_never_makes_the_window_wider(bar, qtbot):
    window, status = bar
    window.resize(1024, 300)
    status.addWidget(_label("Monitoring: ON"))
    path = "/home/office.manager/OneDrive - Birmingham City Council Schools Trust/" + "x" * 230
    assert len(path) >= 300
    status.addPermanentWidget(_label(f"Saved: {path}"))
    status.showMessage(f"Imported attendance from {path}")
    qtbot.waitUntil(status.message_label.isVisible)
    qtbot.wait(0)
    assert window.minimumSizeHint().width() <= 1024
    assert window.width() == 1024 and status.width() <= 1024


def test_a_message_takes_the_least_important_texts_place_not_a_new_line(bar, qtbot):
    window, status = bar
    window.resize(900, 300)
    monitoring, counts = _label("● Monitoring: ON"), _label("5 out now, 2 overdue")
    db, policy = _label("school.sqlite3 · NOT encrypted"), _label("policy: Harborne Primary")
    user = _label("Sam Office (office)")
    for label in (monitoring, counts, db, policy):
        status.addWidget(label)
    status.addPermanentWidget(user)
    status.give_way_to_messages(db, policy)
    qtbot.waitUntil(lambda: db.isVisible() and status.flow.rows(status.area.width()) == 1)
    before = (status.height(),)
    long_tip = "Book a home visit for a household, with its risk assessment and approval " * 3
    status.showMessage(long_tip)
    qtbot.waitUntil(status.message_label.isVisible)
    assert db.isHidden() and policy.isHidden()  # given way to the message
    assert monitoring.isVisible() and counts.isVisible() and user.isVisible()
    assert status.flow.rows(status.area.width()) == 1
    qtbot.waitUntil(lambda: status.message_label.width() > 80)
    qtbot.waitUntil(lambda: status.height() == before[0])  # not one line more
    assert status.flow.rows(status.area.width()) == 1
    assert status.message_label.text() == long_tip  # whole for a screen reader and the tooltip
    order = [w for w in status.widgets() if not w.isHidden()]
    assert order.index(status.message_label) == order.index(counts) + 1  # in their place
    status.clearMessage()
    qtbot.waitUntil(lambda: db.isVisible() and policy.isVisible())
    assert status.message_label.isHidden()
    qtbot.waitUntil(lambda: status.height() == before[0])


def test_hovering_a_menu_never_makes_the_main_window_jump(window, qtbot):
    from PySide6.QtGui import QStatusTipEvent
    from PySide6.QtWidgets import QApplication

    from ui import print_actions

    window.resize(1024, 700)
    path = "/home/office.manager/OneDrive - Birmingham City Council Schools Trust/" + "y" * 230
    print_actions.saved_notice.saved.emit(f"{path}/Lone working form.pdf")
    bar = window.statusBar()
    qtbot.waitUntil(lambda: bar.height() == bar.heightForWidth(bar.width()))
    assert window.width() == 1024 and bar.width() <= 1024  # the long path is no wider
    before = (bar.height(), window.centralWidget().height())
    rows = bar.flow.rows(bar.area.width())
    tip = "Book a home visit for a household, with its risk assessment and approval"
    QApplication.sendEvent(window, QStatusTipEvent(tip))
    qtbot.waitUntil(bar.message_label.isVisible)
    assert window.db_label.isHidden() and window.policy_label.isHidden()
    qtbot.waitUntil(lambda: (bar.height(), window.centralWidget().height()) == before)
    assert bar.flow.rows(bar.area.width()) == rows  # the message has no line of its own
    QApplication.sendEvent(window, QStatusTipEvent(""))
    qtbot.waitUntil(lambda: window.db_label.isVisible() and window.policy_label.isVisible())
    qtbot.waitUntil(lambda: (bar.height(), window.centralWidget().height()) == before)


def test_the_height_at_a_width_is_worked_out_once_until_a_label_changes(bar, qtbot, monkeypatch):
    """Qt asks the bar's height for its width several times in each layout pass of the window
    (a deadline wake, a save): each answer asked every label its size again on the GUI thread.
    Asked again with nothing changed, the answer is the one worked out; a label's new text, a
    label shown or hidden is worked out afresh."""
    _window, status = bar
    label, other = _label("short"), _label("another short text")
    status.addWidget(label)
    status.addWidget(other)
    qtbot.waitUntil(lambda: label.isVisible() and other.isVisible())
    flow = status.flow
    worked: list[int] = []
    rows = flow._rows
    monkeypatch.setattr(
        flow, "_rows", lambda width, **kw: worked.append(width) or rows(width, **kw)
    )
    one_line = flow.heightForWidth(300)
    assert flow.heightForWidth(300) == one_line and worked == [300]
    label.setText("a status text long enough to put the next on a line of its own")
    assert flow.heightForWidth(300) > one_line and worked == [300, 300]
    label.hide()
    assert flow.heightForWidth(300) < one_line + 1 and len(worked) == 3


def _office_bar(status: WrappingStatusBar) -> list[QLabel]:
    """The office's labels as the main window adds them: Monitoring, a warning, the counts, the
    database and policy (which give way to a message) and the signed-in user."""
    from ui.a11y import ElidedLabel
    from ui.value_label import ValueLabel

    monitoring = ValueLabel("Monitoring", "● Monitoring: ON")
    counts = ElidedLabel("Out", keep_parts=2)
    counts.setText("5 out now, 2 overdue, next alarm in 8:59")
    db, policy, user = ElidedLabel("Database"), ElidedLabel("Policy"), ElidedLabel("Signed in")
    db.setText("a.sqlite3 · NOT encrypted · backed up 17:23")
    policy.setText("policy: Harborne Primary")
    user.setText("Sam Office (office)")
    warning = ValueLabel("Alarm warning", "⚠ ALARM SOUND OFF")
    warning.setStyleSheet("color:#b00020;font-weight:bold")
    for label in (monitoring, counts, db, policy):
        label.setContentsMargins(6, 0, 12, 0)
        status.addWidget(label)
    status.insertWidget(1, warning)
    status.addPermanentWidget(user)
    status.give_way_to_messages(db, policy)
    return [monitoring, warning, counts, db, policy, user]


@pytest.mark.parametrize("width", [320, 400, 500, 700, 960])
def test_a_message_neither_grows_nor_shrinks_the_bar(bar, qtbot, width):
    """A message that takes fewer lines than the texts it stands in for must not shrink the bar
    either: the window above would jump up and back each time a menu is hovered."""
    from PySide6.QtWidgets import QWidget

    window, status = bar
    window.setCentralWidget(QWidget())
    labels = _office_bar(status)
    window.resize(width, 300)
    qtbot.waitUntil(lambda: all(label.isVisible() for label in labels))
    qtbot.waitUntil(lambda: status.height() == status.heightForWidth(status.width()))
    qtbot.waitUntil(lambda: window.centralWidget().geometry().bottom() < status.y())
    before = (status.height(), window.centralWidget().geometry())
    status.showMessage("Saving check-in for Clarke household…")
    qtbot.waitUntil(status.message_label.isVisible)
    qtbot.wait(20)  # the window's layout pass, had it anything to change
    assert (status.height(), window.centralWidget().geometry()) == before
    status.clearMessage()
    qtbot.waitUntil(lambda: labels[3].isVisible() and labels[4].isVisible())
    qtbot.wait(20)
    assert (status.height(), window.centralWidget().geometry()) == before


def test_resized_while_a_message_shows_the_bar_keeps_the_height_it_has_without_it(bar, qtbot):
    """The height held is the one the bar has without the message at its new width, so clearing
    the message after a resize moves nothing either."""
    from PySide6.QtWidgets import QWidget

    window, status = bar
    window.setCentralWidget(QWidget())
    labels = _office_bar(status)
    window.resize(960, 300)
    qtbot.waitUntil(lambda: all(label.isVisible() for label in labels))
    status.showMessage("Saving check-in for Clarke household…")
    qtbot.waitUntil(status.message_label.isVisible)
    window.resize(400, 300)
    qtbot.waitUntil(lambda: status.width() == 400)
    qtbot.wait(20)
    held = (status.height(), window.centralWidget().geometry())
    assert status.message_label.width() > 80  # it has the room the database and policy had
    status.clearMessage()
    qtbot.waitUntil(lambda: labels[3].isVisible() and labels[4].isVisible())
    qtbot.wait(20)
    assert (status.height(), window.centralWidget().geometry()) == held
    assert status.flow.rows(status.area.width()) == 4  # the texts' own four lines at 400 px
