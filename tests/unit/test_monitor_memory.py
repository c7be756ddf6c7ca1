"""`hvdesk monitor` runs for weeks: like the window, it settles the C allocator before its threads
and gives glibc's free memory back once a minute (hvdesk.platform.heap)."""

from __future__ import annotations

import argparse
import itertools

from hvdesk.commands import notify_run
from hvdesk.notify import monitor as monitor_module
from hvdesk.notify.monitor import Monitor


def test_the_monitor_gives_free_memory_back_once_a_minute(db, clock, monkeypatch):
    monitor = Monitor(db, clock, raise_alarms=False, beat_s=0, poll_s=0.001)
    trimmed_at: list[float] = []
    passes = 0

    def one_pass(now=None):  # 20 s of the fake clock per pass, 10 passes
        nonlocal passes
        passes += 1
        clock.advance(20)
        if passes == 10:
            monitor.stop()

    monkeypatch.setattr(monitor, "tick", one_pass)
    monkeypatch.setattr(
        monitor_module, "release_free_memory", lambda: trimmed_at.append(clock.monotonic())
    )
    monitor.run()
    assert len(trimmed_at) == 4  # 200 s: at the start, then after each minute
    assert all(b - a >= monitor_module.TRIM_S for a, b in itertools.pairwise(trimmed_at))


def test_the_monitor_command_settles_the_allocator_before_it_runs(db, clock, monkeypatch):
    seen: list[str] = []
    monkeypatch.setattr(notify_run, "settle_allocator", lambda: seen.append("settled") or True)
    monkeypatch.setattr(notify_run, "open_database", lambda args: (db, clock))
    monkeypatch.setattr(Monitor, "run", lambda self: seen.append("run"))
    args = argparse.Namespace(lease=None, poll=None, beat=None)
    assert notify_run.run_monitor(args) == 0
    assert seen == ["settled", "run"]
