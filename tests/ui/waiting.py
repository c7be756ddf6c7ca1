"""Waiting for the window's background work without sleeping on the wall clock."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from PySide6.QtCore import QCoreApplication, QThread, QThreadPool
from PySide6.QtWidgets import QApplication

from ui.worker import Worker

ROUNDS = 20  # a press: write, read what changed, reload the visit, show it; never this many


def idle(window, qtbot) -> None:
    """Every background job the window started so far has finished and its result was shown."""
    _until_quiet(qtbot, lambda: window.findChildren(Worker))


def settle(qtbot) -> None:
    """`idle` for every open window: after a press whose window the test does not hold (a button
    on an alarm window, a key)."""
    _until_quiet(
        qtbot,
        lambda: [w for top in QApplication.topLevelWidgets() for w in top.findChildren(Worker)],
    )


def _until_quiet(qtbot, workers: Callable[[], list[Worker]]) -> None:
    """Round after round: a result shown may start one more job (a press's write is followed by
    the read of what it changed, then the reload of the visits it touched). Done when a round
    started no new job."""
    for _ in range(ROUNDS):
        before = sum(worker.submitted for worker in workers())
        for worker in workers():
            worker.wait()
        # The results, posted from the workers' threads (qtbot.wait(0) returns before they come).
        QCoreApplication.sendPostedEvents()
        QCoreApplication.processEvents()
        if sum(worker.submitted for worker in workers()) == before:
            return
    raise AssertionError(f"background jobs still starting one another after {ROUNDS} rounds")


def opened(qtbot, controller):
    """The dialog a controller opens once its read is back (the booking form: new_visit,
    edit_visit; the cancel form): waits for the reader, returns the dialog open."""
    settle(qtbot)
    assert controller.dialog is not None, "no dialog opened"
    return controller.dialog


def saved(qtbot, form, timeout: int = 10_000) -> None:
    """A form's save (ui/dialog_save.py) came back: recorded, refused or not answered."""
    qtbot.waitUntil(lambda: not form.saving.busy, timeout=timeout)


def save_form(qtbot, dialog, **how) -> bool:
    """Press the dialog's save and wait for the answer: True when it was recorded (accepted; the
    dialog may be deleted once it closes)."""
    accepted: list[bool] = []
    dialog.accepted.connect(lambda: accepted.append(True))
    dialog.save(**how)
    saved(qtbot, dialog)
    return bool(accepted)


def slow_press(qtbot, db, form, press, again=None) -> tuple[bool, list[str]]:
    """Press with 200 ms of database latency per statement (tests/ui/test_tracker_writes.py)
    and wait for the answer: whether the press came back without waiting on the database
    (`returns_while_held`) and the statements the GUI thread sent during it. While it saves
    the form says "Saving…"; `again` (a second press) sends nothing."""
    from tests.ui.test_tracker_writes import slow

    with slow(db) as on_gui_thread:
        answered = returns_while_held(db, press)
        during = list(on_gui_thread)
        assert form.saving.busy and form.saving.banner.text() == "Saving…"
        if again is not None:
            assert not again()  # nothing more is sent
        saved(qtbot, form, timeout=30_000)
    return answered, during


@contextmanager
def each_statement(db, before: Callable[..., None]) -> Iterator[None]:
    """`before(conn, cursor, sql, ...)` called before every SQL statement `db` sends meanwhile
    (SQLAlchemy's before_cursor_execute): to watch them, slow them or make them fail."""
    from sqlalchemy import event

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        yield
    finally:
        event.remove(db.engine, "before_cursor_execute", before)


# How long a statement is held before it is let go and counted as waited on: it ends a press
# that waits for ever, and catches one that waits with a bound longer than this (Worker.wait's
# 10 s). A press that does not wait comes back in milliseconds: a loaded machine is 25 times
# short of this, where the 200 ms bound this replaces failed at 206 ms under load 16.
HOLD_LIMIT_S = 5.0


class Hold:
    """While a press is made (`returns_while_held`), the statements sent off the GUI thread wait
    here; `slow` (tests/ui/test_tracker_writes.py) calls `wait` from its one statement hook, which
    stays in place until the save has come back (a hook removed while a worker's statement is
    running its hooks breaks that statement)."""

    def __init__(self) -> None:
        self.released: threading.Event | None = None
        self.gave_up: list[str] = []

    def wait(self, sql: str) -> None:
        released = self.released
        off_gui = threading.current_thread() is not threading.main_thread()
        if off_gui and released is not None and not released.wait(HOLD_LIMIT_S):
            self.gave_up.append(sql)


_HOLDS: dict[int, Hold] = {}  # by id(Database): the databases slowed now


@contextmanager
def holding(db) -> Iterator[Hold]:
    """`db`'s statements may be held back meanwhile (by `returns_while_held`)."""
    hold = _HOLDS[id(db)] = Hold()
    try:
        yield hold
    finally:
        del _HOLDS[id(db)]


def returns_while_held(db, press: Callable[[], object]) -> bool:
    """Press (inside `slow(db)`) while every statement sent off the GUI thread is held back until
    the press has come back: True when it came back without waiting for one (a wait on the
    worker's write, on a read's answer). A press that waits for ever is let go only when the hold
    gives up (HOLD_LIMIT_S); one that waits with a shorter bound (`worker.wait(3000)`) comes
    back before that, so every wait for a thread made on the GUI thread meanwhile is counted too
    (`_gui_thread_waits`): either makes it False."""
    hold = _HOLDS[id(db)]
    released = hold.released = threading.Event()
    hold.gave_up.clear()
    try:
        with _gui_thread_waits() as waits:
            press()
    finally:
        released.set()
    return not hold.gave_up and not waits


# Every way the GUI thread waits for another thread's work: a worker's pool (Worker.wait,
# shutdown), a QThread, and the event loop Worker.wait_settled spins until the results are back.
_WAITS = ((QThreadPool, "waitForDone"), (QThread, "wait"), (Worker, "wait_settled"))


@contextmanager
def _gui_thread_waits() -> Iterator[list[str]]:
    """The waits for other threads the GUI thread made meanwhile, by name."""
    waits: list[str] = []

    def counted(owner: type, name: str) -> Callable[..., object]:
        original = getattr(owner, name)

        def wait(self: object, *args: object, **kwargs: object) -> object:
            if threading.current_thread() is threading.main_thread():
                waits.append(f"{owner.__name__}.{name}{args}")
            return original(self, *args, **kwargs)

        return wait

    originals = [(owner, name, getattr(owner, name)) for owner, name in _WAITS]
    try:
        for owner, name, _original in originals:
            setattr(owner, name, counted(owner, name))
        yield waits
    finally:
        for owner, name, original in originals:
            setattr(owner, name, original)


@contextmanager
def gui_thread_statements(db) -> Iterator[list[str]]:
    """The SQL statements sent from the GUI thread meanwhile (each one the window waiting on the
    database); the change watcher's `PRAGMA data_version` runs on its own thread and is not one."""
    seen: list[str] = []

    def before(_conn: object, _cursor: object, sql: str, *_a: object) -> None:
        if threading.current_thread() is threading.main_thread():
            seen.append(sql)

    with each_statement(db, before):
        yield seen


def checked(qtbot, dialog) -> None:
    """The booking form's live check (it waits for a pause in the typing, then reads on the
    reader) has answered for the form as it stands: asked now rather than after the pause."""
    dialog.check_now()
    qtbot.waitUntil(lambda: not dialog.checking)


def shown(widget) -> None:
    """What a screen asked its window's reader for has come back and is on show (a screen reads
    off the GUI thread: a week changed, a filter chosen)."""
    _until_quiet(None, lambda: widget.window().findChildren(Worker))
