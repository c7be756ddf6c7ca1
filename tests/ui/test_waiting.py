"""The test helpers of tests/ui/waiting.py catch what they are there to catch."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.ui.test_tracker_writes import slow
from tests.ui.waiting import returns_while_held
from ui.worker import Worker


def _read(services) -> None:
    with services.db.engine.connect() as conn:
        conn.execute(text("SELECT 1")).all()


@pytest.mark.parametrize("waits_ms", [None, 300])
def test_a_press_that_waits_on_the_worker_for_less_than_the_hold_is_caught(
    qtbot, services, waits_ms
):
    """A press that waits for its worker with a bound shorter than HOLD_LIMIT_S comes back
    before the hold gives up: it is still a press that froze the window (False)."""
    worker = Worker()

    def press() -> None:
        worker.submit(lambda: _read(services), what="a read")
        if waits_ms is not None:
            worker.wait(waits_ms)

    try:
        with slow(services.db, seconds=0):
            answered = returns_while_held(services.db, press)
    finally:
        assert worker.wait()
    assert answered is (waits_ms is None)
