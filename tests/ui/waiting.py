"""Waiting for the window's background work without sleeping on the wall clock."""

from __future__ import annotations

from ui.worker import Worker


def idle(window, qtbot) -> None:
    """Every background read started so far has finished and its result has been shown.

    Twice: a result shown may start one more read (a refresh that asked again meanwhile)."""
    for _ in range(2):
        for worker in window.findChildren(Worker):
            worker.wait()
        qtbot.wait(0)
