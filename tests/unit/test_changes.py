"""The change feed's core: what changed since the last look, and the wake-up on another seat's commit."""

from __future__ import annotations

import threading

from hvdesk.db import Database
from hvdesk.services.base import Actor
from hvdesk.services.changes import ChangeWatcher, changes_since, latest_event_id
from hvdesk.services.tracker import TrackerService


def out_visit(db: Database, clock) -> int:
    return TrackerService(db, clock).board().rows[0].visit.id


def test_changes_since_names_the_visits_alarms_and_kinds(demo_db, clock, office):
    last = latest_event_id(demo_db)
    assert changes_since(demo_db, last).empty
    visit_id = out_visit(demo_db, clock)
    TrackerService(demo_db, clock).check_in(office, visit_id)
    change = changes_since(demo_db, last)
    assert change.visit_ids == {visit_id} and change.kinds == {"checked_in"}
    assert change.events == 1 and change.last_event_id == last + 1
    assert not change.settings and not change.other_than_visits
    assert changes_since(demo_db, change.last_event_id).empty


def test_settings_changes_are_flagged(demo_db, clock):
    from hvdesk.policy import preset
    from hvdesk.services.settings import SettingsService

    last = latest_event_id(demo_db)
    SettingsService(demo_db, clock).save_policy(Actor(None, "Admin", "admin"), preset("hampton"))
    change = changes_since(demo_db, last)
    assert change.settings and change.other_than_visits


def test_sqlite_watcher_wakes_on_another_connections_commit(demo_db, clock):
    woke = threading.Event()
    health: list[object] = []
    watcher = ChangeWatcher(demo_db, woke.set, health.append, poll_s=0.02)
    watcher.start()
    try:
        assert not woke.wait(0.2)  # nothing committed: nothing to say
        other = Database(str(demo_db.engine.url), run_migrations=False)
        TrackerService(other, clock).check_in(Actor(None, "Other seat"), out_visit(other, clock))
        other.dispose()
        assert woke.wait(5)
        assert health == [] and watcher.healthy
    finally:
        watcher.stop()


def test_watcher_reports_a_database_that_stops_answering(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'gone' / 'x.sqlite3'}", run_migrations=False)
    health: list[object] = []
    said = threading.Event()
    watcher = ChangeWatcher(db, lambda: None, lambda e: (health.append(e), said.set()))
    watcher.start()
    try:
        assert said.wait(5)
        assert health and "unable to open database file" in str(health[0])
        assert not watcher.healthy
    finally:
        watcher.stop()
        db.dispose()


def test_in_memory_database_needs_no_watcher():
    db = Database("sqlite://")
    watcher = ChangeWatcher(db, lambda: None, lambda _e: None)
    watcher.start()
    assert watcher._thread is None
    watcher.stop()
    db.dispose()


def test_single_seat_watcher_never_holds_the_one_connection(demo_db, clock, tmp_path):
    """Single-seat: one pooled connection (it holds the exclusive lock) for every thread, so the
    watcher must not keep it, and a commit on that same connection leaves data_version as it was:
    a write by the app's own worker must still wake the seat."""
    path = tmp_path / "single.sqlite3"
    demo_db.backup(path)
    db = Database(f"sqlite:///{path}", key=demo_db.key, single_seat=True)
    woke = threading.Event()
    watcher = ChangeWatcher(db, woke.set, lambda _e: None, poll_s=0.02)
    watcher.start()
    try:
        assert watcher.watching.wait(5)  # it has read where it starts from
        visit_id = out_visit(db, clock)  # the GUI reads meanwhile: the connection is free
        assert not woke.is_set()
        worker = threading.Thread(
            target=lambda: TrackerService(db, clock).check_in(Actor(None, "Worker"), visit_id)
        )
        worker.start()
        worker.join(30)
        assert woke.wait(5)
        assert watcher.healthy
    finally:
        watcher.stop()
        db.dispose()
