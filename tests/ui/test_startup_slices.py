"""The window built while the password is typed: a slice per event-loop turn (a key typed meanwhile
waits for one slice, not the whole window), and never beside the worker's warm-up."""

from __future__ import annotations

import os
import threading
import traceback

import pytest
from PySide6.QtCore import QCoreApplication, QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QLineEdit
from sqlalchemy import event

import ui.app as app_module
from hvdesk.services.changes import latest_event_id
from ui.app import PreparedWindow, finish_window
from ui.login import LoginDialog
from ui.main_window import MainWindow
from ui.worker import Worker

from .conftest import delete_now


def _close(window: MainWindow) -> None:
    window.close()
    QCoreApplication.processEvents()
    delete_now(window)


def test_a_key_typed_while_the_window_is_built_waits_for_one_slice_not_the_whole_window(
    qtbot, services, office_actor, monkeypatch
):
    field = QLineEdit()
    qtbot.addWidget(field)
    order: list[str] = []
    field.textChanged.connect(lambda _t: order.append("key"))
    real = MainWindow.build_step

    def step(self: MainWindow) -> bool:
        if not order:  # typed as the first slice is built
            key = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_A, Qt.KeyboardModifier.NoModifier, "a")
            QCoreApplication.postEvent(field, key)
        order.append("slice")
        return real(self)

    monkeypatch.setattr(MainWindow, "build_step", step)
    built: list[bool] = []
    prepared = PreparedWindow()
    prepared.build(services, office_actor, sliced=True, on_built=lambda: built.append(True))
    assert prepared.building and prepared.window is not None
    assert prepared.window.tracker_controller is None  # nothing built in build() itself
    qtbot.waitUntil(lambda: built == [True], timeout=10_000)
    assert order.index("key") == 1  # handled after the first slice, before the second
    assert order.count("slice") >= 6  # each screen, then the frame around them
    window = prepared.take(office_actor)
    assert window is not None and window.tracker_controller is not None  # the features are in
    assert not window.live.started and not window._backup_timer.isActive()  # nothing runs yet
    _close(window)


def test_enter_during_the_slices_builds_the_rest_at_once_and_only_once(
    qtbot, services, office_actor
):
    prepared = PreparedWindow()
    prepared.build(services, office_actor, sliced=True)
    QCoreApplication.processEvents()  # a slice or so
    window = prepared.take(office_actor)  # the password proved right: the rest now
    assert window is not None and not prepared.building
    names = [window.nav.item(i).text() for i in range(window.nav.count())]
    assert "Calendar" in names and "Approval" in names
    for _ in range(20):  # the slices' timers still pending find nothing left to build
        QCoreApplication.processEvents()
    assert [window.nav.item(i).text() for i in range(window.nav.count())] == names
    window.show()
    finish_window(window)
    assert window.live.started
    _close(window)


def test_a_window_begun_for_someone_else_is_thrown_away(qtbot, services, office_actor):
    head = services.auth.expected_actor("head")
    prepared = PreparedWindow()
    prepared.build(services, office_actor, sliced=True)
    first = prepared.window
    prepared.build(services, head, sliced=True)  # the username changed while it was built
    assert prepared.window is not first and prepared.built_for(head)
    qtbot.waitUntil(lambda: not prepared.building, timeout=10_000)
    assert prepared.take(office_actor) is None and prepared.window is None


def test_the_window_is_built_between_the_warm_ups_never_beside_them(
    qtbot, services, office_actor, monkeypatch
):
    prepared = PreparedWindow()
    seen: list[tuple[str, bool]] = []  # (warm-up, whether a window was built or being built)
    monkeypatch.setattr(
        app_module, "preload_main_window", lambda: seen.append(("main", prepared.building))
    )
    monkeypatch.setattr(
        app_module, "preload_start_reads", lambda _s: seen.append(("reads", prepared.building))
    )
    monkeypatch.setattr(
        app_module,
        "preload_later_features",
        lambda _stop: seen.append(("later", prepared.building)),
    )
    login = LoginDialog(services)
    qtbot.addWidget(login)
    worker = Worker(login)
    warm = app_module._WarmUp(worker, login, prepared)
    warm.prepare(office_actor)  # the username typed before the database was open
    assert prepared.window is None  # it waits for the open and the warm-up
    warm.begin(lambda: True)  # the dialog painted: the imports queued behind the open
    warm.start(services)  # the database is open
    qtbot.waitUntil(lambda: warm.later_done, timeout=10_000)
    assert seen == [("main", False), ("reads", False), ("later", False)]
    assert prepared.built_for(office_actor) and not prepared.building
    window = prepared.take(office_actor)
    assert window is not None and window.tracker_controller is not None
    _close(window)


def test_enter_during_the_warm_up_builds_the_whole_window_at_once(qtbot, services, office_actor):
    """Sign in pressed while the worker still imports: nobody types any more, so the window is
    not left waiting for the worker nor built a slice a turn: all of it now (importing on the GUI
    thread what the worker has not got to)."""
    prepared = PreparedWindow()
    login = LoginDialog(services)
    qtbot.addWidget(login)
    warm = app_module._WarmUp(Worker(login), login, prepared)  # its warm-up still running
    warm.prepare(office_actor)  # typed: waits for the warm-up
    assert prepared.window is None
    login._checking = True  # Enter: the password is being checked
    warm.prepare(office_actor)
    assert prepared.built_for(office_actor) and not prepared.building  # whole, at once
    window = prepared.take(office_actor)
    assert window is not None and window.tracker_controller is not None
    _close(window)


def test_enter_during_the_slices_builds_the_rest_before_the_next_turn(
    qtbot, services, office_actor
):
    prepared = PreparedWindow()
    login = LoginDialog(services)
    qtbot.addWidget(login)
    warm = app_module._WarmUp(Worker(login), login, prepared)
    warm.prepare(office_actor)  # typed while the worker imports: waits
    assert prepared.window is None
    warm._done(None)  # the imports are done: built a slice per turn
    assert prepared.building
    login._checking = True  # Enter
    warm.prepare(office_actor)
    assert not prepared.building  # the rest built now, not a turn at a time
    window = prepared.take(office_actor)
    assert window is not None and window.tracker_controller is not None
    _close(window)


def test_the_imports_wait_for_the_open_and_are_skipped_when_it_failed(qtbot, services, monkeypatch):
    imported: list[bool] = []
    monkeypatch.setattr(app_module, "preload_main_window", lambda: imported.append(True))
    login = LoginDialog(services)
    qtbot.addWidget(login)
    worker = Worker(login)
    warm = app_module._WarmUp(worker, login, PreparedWindow())
    warm.begin(lambda: False)  # the open (queued before) failed
    qtbot.waitUntil(lambda: not warm.busy, timeout=10_000)
    assert imported == []
    warm.busy = True
    warm.begin(lambda: True)
    qtbot.waitUntil(lambda: not warm.busy, timeout=10_000)
    assert imported == [True]


def test_the_window_is_built_without_the_title_or_the_feed_reading_on_the_gui_thread(
    qtbot, services, office_actor
):
    """The school's name (the title, the status bar's preset) and the newest event (where the
    change feed starts) are read on the worker as the database opens (open_services): building
    the window reads neither on the GUI thread. (The Staff and Settings screens' own reads are
    another change's.)"""
    worker = Worker(None)
    worker.submit(services.read_start)  # as open_services does, on the worker
    assert worker.wait(10_000) and services.start is not None
    callers = _gui_statement_callers(services)
    try:
        prepared = PreparedWindow()
        prepared.build(services, office_actor)
        window = prepared.take(office_actor)
    finally:
        event.remove(services.db.engine, "before_cursor_execute", callers.append_caller)
    assert window is not None
    assert window.windowTitle() == f"hvdesk — {services.settings.policy().school_name}"
    assert window.live.last_event_id == latest_event_id(services.db)
    from_window = [where for where in callers if where[0].endswith(("main_window.py", "live.py"))]
    assert from_window == []
    _close(window)


_UI = os.path.dirname(app_module.__file__) + os.sep  # the ui package's files


class _Callers(list[tuple[str, str]]):
    """(file, function) of the ui/ code nearest each statement made on the GUI thread."""

    def append_caller(self, *_args: object) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        frames = [f for f in traceback.extract_stack() if f.filename.startswith(_UI)]
        if frames:
            self.append((frames[-1].filename, frames[-1].name))


def _gui_statement_callers(services) -> _Callers:
    callers = _Callers()
    event.listen(services.db.engine, "before_cursor_execute", callers.append_caller)
    return callers


def test_the_later_screens_warm_up_stands_aside_between_two_features_once_sign_in_is_pressed(
    monkeypatch,
):
    """Sign in pressed while the worker imports the later screens' modules: it stops after the
    one it is importing (the first paint needs the interpreter), not after all of them."""
    import ui.features

    stepped = [install for step in ui.features.later_steps() for install in step]
    assert len(stepped) >= 10 and stepped == ui.features.later_installers()  # the same, in turn
    imported: list[int] = []

    def steps():
        for i in range(5):
            imported.append(i)
            yield []

    monkeypatch.setattr(ui.features, "later_steps", steps)
    app_module.preload_later_features(lambda: len(imported) >= 2)  # pressed during the second
    assert imported == [0, 1]


def _failing_installer(monkeypatch) -> list[int]:
    """The features up to the tracker with one that raises (the first time only): the count of
    calls to the real calendar install, which must never run twice on one window."""
    import ui.features as features

    real = features.urgent_installers
    calls: list[int] = []

    def installers():
        found = real()

        def boom(_window: MainWindow) -> None:
            if not calls:
                calls.append(0)
                raise RuntimeError("a feature failed to install")

        return [found[0], boom, *found[1:]]

    monkeypatch.setattr(features, "urgent_installers", installers)
    return calls


def test_a_slice_that_raises_throws_the_window_away_and_sign_in_builds_a_fresh_one(
    qtbot, services, office_actor, monkeypatch, caplog
):
    _failing_installer(monkeypatch)
    built: list[bool] = []
    prepared = PreparedWindow()
    prepared.build(services, office_actor, sliced=True, on_built=lambda: built.append(True))
    qtbot.waitUntil(lambda: built == [True], timeout=10_000)  # still told: the warm-up goes on
    assert not prepared.building and prepared.window is None
    assert not prepared.built_for(office_actor)
    assert "a feature failed to install" in caplog.text
    assert prepared.take(office_actor) is None  # run_gui builds a fresh window


def test_a_slice_that_raises_after_enter_leaves_no_half_built_window(
    qtbot, services, office_actor, monkeypatch
):
    _failing_installer(monkeypatch)
    prepared = PreparedWindow()
    prepared.build(services, office_actor, sliced=True)
    assert prepared.take(office_actor) is None and not prepared.building


def test_a_build_that_raised_is_not_begun_again_while_the_password_is_typed(
    qtbot, services, office_actor, monkeypatch
):
    calls = _failing_installer(monkeypatch)
    monkeypatch.setattr(app_module, "preload_main_window", lambda: None)
    monkeypatch.setattr(app_module, "preload_start_reads", lambda _s: None)
    monkeypatch.setattr(app_module, "preload_later_features", lambda _stop: None)
    prepared = PreparedWindow()
    login = LoginDialog(services)
    qtbot.addWidget(login)
    warm = app_module._WarmUp(Worker(login), login, prepared)
    warm.prepare(office_actor)
    warm.begin(lambda: True)
    warm.start(services)
    qtbot.waitUntil(lambda: warm.later_done, timeout=10_000)  # the warm-up went on to the end
    assert calls == [0] and prepared.window is None  # raised once, never begun again
    login._checking = True  # Enter: not built whole again either
    warm.prepare(office_actor)
    assert prepared.window is None and prepared.take(office_actor) is None


@pytest.mark.parametrize("slices", [0, 2, 5, 7])  # before the frame, the frame, features
def test_a_window_thrown_away_half_built_leaves_no_top_level_widget(
    qtbot, services, office_actor, slices
):
    from PySide6.QtWidgets import QApplication

    before = set(QApplication.topLevelWidgets())
    prepared = PreparedWindow()
    prepared.build(services, office_actor, sliced=True)
    window = prepared.window
    assert window is not None
    for _ in range(slices):
        prepared._next_slice(prepared._slices, None)
    prepared.discard()  # the username changed, or Cancel
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    left = [w for w in QApplication.topLevelWidgets() if w not in before]
    assert left == []


def test_building_the_window_sends_the_worker_nothing_the_status_is_read_at_start(
    qtbot, services, office_actor, monkeypatch
):
    """The slices after the frame are built with the worker idle (no read beside them); the status
    bar's 'out now' is read once the window starts."""
    asked: list[str] = []
    real = Worker.submit

    def submit(self: Worker, fn, *args, **kwargs) -> None:
        asked.append(getattr(fn, "__name__", repr(fn)))
        real(self, fn, *args, **kwargs)

    monkeypatch.setattr(Worker, "submit", submit)
    prepared = PreparedWindow()
    prepared.build(services, office_actor, sliced=True)
    qtbot.waitUntil(lambda: not prepared.building, timeout=10_000)
    assert "out_now" not in asked
    window = prepared.take(office_actor)
    assert window is not None
    window.start()
    assert "out_now" in asked
    qtbot.waitUntil(lambda: window.worker.outstanding == 0, timeout=10_000)
    assert window.db_label.text() not in ("Database", "database not answering")  # read, shown
    _close(window)
