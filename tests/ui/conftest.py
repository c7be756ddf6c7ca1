"""UI fixtures: a signed-in main window over the demo school, closed at teardown."""

from __future__ import annotations

import pytest

from hvdesk.models import Role
from hvdesk.services.base import Actor
from ui import dialogs
from ui.services import AppServices


@pytest.fixture(autouse=True)
def fake_platform():
    """No real keep-awake, autostart entry or shutdown block from a test: a recording fake."""
    from hvdesk import platform
    from hvdesk.platform.fake import FakePlatform

    fake = FakePlatform()
    with platform.FakePlatformScope(fake):
        yield fake


@pytest.fixture
def services(demo_db, clock) -> AppServices:
    return AppServices.build(demo_db, clock)


@pytest.fixture
def office_actor(services) -> Actor:
    from sqlalchemy import select

    from hvdesk.models import UserAccount

    with services.db.read() as s:
        user = s.scalar(select(UserAccount).where(UserAccount.username == "office"))
    return Actor(user.id, user.display_name, Role.OFFICE.value)


@pytest.fixture
def answers(monkeypatch):
    """Answer confirmations without a modal loop; record what was shown."""
    record: dict[str, list] = {"asked": [], "told": [], "reply": [True]}

    def ask(parent, title, text):
        record["asked"].append((title, text))
        return record["reply"][0]

    def tell(parent, title, text, kind="info"):
        record["told"].append((title, text, kind))

    monkeypatch.setattr(dialogs, "ask", ask)
    monkeypatch.setattr(dialogs, "ask_safe", ask)
    monkeypatch.setattr(dialogs, "tell", tell)
    return record


@pytest.fixture
def window(qtbot, services, office_actor, answers):
    from ui.app import build_window

    win = build_window(services, office_actor)
    qtbot.addWidget(win)
    win.show()
    yield win
    win.close()
    delete_now(win)


def delete_now(widget) -> None:
    """Delete a closed window at once, not when some later event loop gets to it: its timers,
    workers and signal connections (each holding the window's services) go with it, so one
    test's window does not live on through the rest of the run."""
    from PySide6.QtCore import QCoreApplication, QEvent

    widget.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


@pytest.fixture(autouse=True)
def _collect_between_tests():
    """Collect Python garbage only between tests, after the windows are closed and deleted.

    A collection in the middle of Qt event processing can destroy a widget's wrapper while Qt still
    delivers events to it; the app itself keeps its windows for the whole run. Only the young
    generations: what this test made. A full collection walks everything earlier tests left
    (closed windows' Python wrappers are still reachable, about 33,000 objects each), and grew to
    several seconds a test by the end of the run.
    """
    import gc

    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect(1)


@pytest.fixture(autouse=True)
def _screen_reader_state_restored():
    """A test that plays a screen reader (QAccessible.setActive(True)) leaves it as it found it:
    left on, later tests' widgets get screen readers' interfaces (the calendar grid its own list
    of visits, a line edit's Tab select-all delayed) and fail only in the suite's order."""
    from PySide6.QtGui import QAccessible

    was_on = QAccessible.isActive()
    yield
    QAccessible.setActive(was_on)


@pytest.fixture(autouse=True)
def own_qsettings(tmp_path_factory):
    """This computer's settings (QSettings) live in a temporary folder, never the user's own."""
    from PySide6.QtCore import QSettings

    folder = tmp_path_factory.mktemp("qsettings")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    yield folder
