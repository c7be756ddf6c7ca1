"""The deadline scheduler: one job per plan key, misfires never dropped, a sweep that sees jumps.

The backend here is APScheduler's BackgroundScheduler (pure Python); the app uses a QtScheduler
(tests/ui). Waiting is on threading events with a timeout, never a sleep.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from apscheduler.jobstores.memory import MemoryJobStore

from hvdesk.clock import FakeClock, SystemClock
from hvdesk.scheduler import SWEEP_JOB, DeadlineScheduler, Wake

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


class Recorder:
    """Collects wakes from any thread; tests wait on a condition (never a sleep)."""

    def __init__(self) -> None:
        self.wakes: list[Wake] = []
        self.cond = threading.Condition()

    def __call__(self, wake: Wake) -> None:
        with self.cond:
            self.wakes.append(wake)
            self.cond.notify_all()

    def wait_for(self, reason: str, timeout: float = 10.0) -> Wake:
        with self.cond:
            found = self.cond.wait_for(lambda: any(w.reason == reason for w in self.wakes), timeout)
            assert found, f"no {reason!r} wake; got {self.wakes}"
            return next(w for w in self.wakes if w.reason == reason)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def running(recorder):
    made: list[DeadlineScheduler] = []

    def make(clock, **kw) -> DeadlineScheduler:
        scheduler = DeadlineScheduler(clock, recorder, **kw)
        scheduler.start()
        made.append(scheduler)
        return scheduler

    yield make
    for scheduler in made:
        scheduler.shutdown()
        assert not scheduler.running


def test_backend_keeps_jobs_in_memory_and_never_drops_a_misfire(running):
    scheduler = running(FakeClock(T0))
    backend = scheduler.backend
    assert isinstance(backend._jobstores["default"], MemoryJobStore)
    assert backend._job_defaults["misfire_grace_time"] is None
    assert backend._job_defaults["coalesce"] is True
    assert backend.get_job(SWEEP_JOB) is not None


def test_plan_adds_moves_and_drops_one_job_per_key(running):
    clock = FakeClock(T0)
    scheduler = running(clock)
    scheduler.arm({"visit:1": T0 + timedelta(minutes=10), "visit:2": T0 + timedelta(hours=1)})
    jobs = {j.id for j in scheduler.backend.get_jobs()}
    assert {"visit:1", "visit:2"} <= jobs
    first = scheduler.backend.get_job("visit:1").next_run_time
    # the job's run date is the clock's deadline as wall time (10 minutes from now)
    assert abs((first - datetime.now(UTC)) - timedelta(minutes=10)) < timedelta(seconds=5)
    scheduler.arm({"visit:1": T0 + timedelta(minutes=20), "visit:3": T0 + timedelta(minutes=5)})
    jobs = {j.id for j in scheduler.backend.get_jobs()}
    assert "visit:2" not in jobs and {"visit:1", "visit:3"} <= jobs
    moved = scheduler.backend.get_job("visit:1").next_run_time
    assert abs((moved - first) - timedelta(minutes=10)) < timedelta(seconds=5)
    assert scheduler.armed() == {
        "visit:1": T0 + timedelta(minutes=20),
        "visit:3": T0 + timedelta(minutes=5),
    }
    assert scheduler.next_wake() == T0 + timedelta(minutes=5)
    scheduler.arm({})
    assert {j.id for j in scheduler.backend.get_jobs()} == {SWEEP_JOB}


def test_a_due_deadline_fires_on_the_worker_thread(running, recorder):
    scheduler = running(SystemClock())
    main = threading.get_ident()
    threads: list[int] = []
    original = scheduler.on_wake

    def spy(wake: Wake) -> None:
        threads.append(threading.get_ident())
        original(wake)

    scheduler.on_wake = spy
    scheduler.arm({"visit:7": datetime.now(UTC) + timedelta(milliseconds=50)})
    wake = recorder.wait_for("deadline")
    assert wake.key == "visit:7"
    assert threads and threads[0] != main  # so the Qt glue must only forward a signal
    assert "visit:7" not in scheduler.armed()


def test_a_deadline_already_past_still_fires_misfires_are_not_dropped(running, recorder):
    scheduler = running(SystemClock())
    scheduler.arm({"visit:9": datetime.now(UTC) - timedelta(hours=6)})
    assert recorder.wait_for("deadline").key == "visit:9"


def test_sweep_sees_a_wall_clock_jump_but_not_ordinary_time(recorder):
    clock = FakeClock(T0)
    scheduler = DeadlineScheduler(clock, recorder)
    clock.advance(timedelta(seconds=30))
    assert scheduler.sweep().reason == "sweep"
    clock.jump(timedelta(hours=3))  # asleep: wall time moved, monotonic did not
    wake = scheduler.sweep()
    assert wake.reason == "jump" and wake.jump_s == pytest.approx(3 * 3600)
    assert scheduler.jumps == [pytest.approx(3 * 3600)]
    clock.advance(timedelta(seconds=30))
    assert scheduler.sweep().reason == "sweep"
    clock.jump(timedelta(hours=-1))  # clocks put back by hand
    assert scheduler.sweep().reason == "jump"
    assert [w.reason for w in recorder.wakes] == ["sweep", "jump", "sweep", "jump"]
    assert scheduler.last_sweep_at == clock.now()


def test_the_sweep_job_runs_on_its_interval(running, recorder):
    running(SystemClock(), sweep_s=0.05)
    recorder.wait_for("sweep")


def test_probe_reports_changes_and_failures(running, recorder):
    token = {"value": 1, "fail": False}

    def probe() -> int:
        if token["fail"]:
            raise OSError("database is locked")
        return token["value"]

    scheduler = running(SystemClock(), probe=probe, probe_s=0.05, sweep_s=3600)
    token["value"] = 2
    recorder.wait_for("changes")
    token["fail"] = True
    assert "database is locked" in recorder.wait_for("probe_failed").error
    assert scheduler.running


def test_shutdown_clears_the_plan_and_arming_afterwards_is_harmless(recorder):
    scheduler = DeadlineScheduler(FakeClock(T0), recorder)
    scheduler.start()
    scheduler.arm({"visit:1": T0 + timedelta(minutes=1)})
    scheduler.shutdown()
    assert not scheduler.running and scheduler.armed() == {}
    scheduler.arm({"visit:1": T0 + timedelta(minutes=1)})  # no error, nothing scheduled
    scheduler.shutdown()  # twice is fine


def test_a_plan_made_before_start_is_kept_in_memory(recorder):
    scheduler = DeadlineScheduler(FakeClock(T0), recorder)
    scheduler.arm({"visit:1": T0 + timedelta(minutes=1)})
    assert scheduler.armed() == {"visit:1": T0 + timedelta(minutes=1)}
