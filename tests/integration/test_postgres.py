"""The same schema and services on PostgreSQL, as several office PCs would share it.

One throwaway cluster (initdb/pg_ctl on a private socket) serves the whole session and each test
gets a fresh database: the fixtures pg_server and pg_url are in tests/integration/conftest.py.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select, text

from hvdesk.db import Database, current_revision, head_revision, migrate
from hvdesk.errors import SchemaTooNew
from hvdesk.models import Event, Visit
from tests import pgcluster

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        sys.platform == "win32",
        reason="the throwaway cluster uses a Unix-domain socket and runuser (POSIX only)",
    ),
]


def test_migrates_and_refuses_newer(pg_url):
    db = Database(pg_url)
    assert current_revision(db.engine) == head_revision()
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num='9999_future'"))
    with pytest.raises(SchemaTooNew):
        migrate(db.engine)
    db.dispose()


def test_models_match_the_migrations_on_postgresql(pg_url):
    """Autogenerate finds nothing to do on PostgreSQL either (alarm.visit_id nullable, staff_id)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from hvdesk.models import Base

    db = Database(pg_url)
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    db.dispose()
    assert diff == []


def test_demo_school_and_two_seats_see_the_same_events(pg_url, clock):
    from hvdesk.demo import load_demo
    from hvdesk.services.base import Actor
    from hvdesk.services.cancellation import CancellationService
    from hvdesk.services.visits import VisitQueries

    seat_a, seat_b = Database(pg_url), Database(pg_url)
    load_demo(seat_a, clock)
    visits_b = VisitQueries(seat_b, clock)
    approved = next(v for v in visits_b.recent(1000) if v.status == "approved")
    assert approved.start.tzinfo is not None  # UTC round trip on PostgreSQL
    CancellationService(seat_a, clock).cancel(
        Actor(None, "Seat A"), approved.id, "family_cancelled", "rang to rearrange"
    )
    assert visits_b.get(approved.id).status == "cancelled"
    with seat_b.read() as s:
        ev = s.scalars(
            select(Event).where(Event.visit_id == approved.id, Event.kind == "cancelled")
        ).one()
        assert ev.user_name == "Seat A"
        assert s.get(Visit, approved.id).row_version == approved.row_version + 1
    seat_a.dispose()
    seat_b.dispose()


def test_two_seats_pressing_at_once_get_one_owner(pg_url, clock):
    """Compare-and-set on the alarm's owner holds across PostgreSQL connections too."""
    from hvdesk.demo import load_demo
    from hvdesk.services.base import Actor
    from hvdesk.services.tracker import TrackerService
    from tests.unit.test_alarm_ownership import assert_one_owner, race_takes, release

    seat_a, seat_b = Database(pg_url), Database(pg_url)
    load_demo(seat_a, clock)
    raised = TrackerService(seat_a, clock).raise_due_alarms()
    alarm_id = next(r for r in raised if "Check-in" in r.reason).alarm_id
    actors = [Actor(None, "Sam Office", "office"), Actor(None, "Linda Francis", "approver")]
    try:
        for round_ in range(1, 9):
            told = race_takes([seat_a, seat_b], clock, alarm_id, actors)
            assert_one_owner(seat_a, alarm_id, told, round_)
            release(seat_a, alarm_id)
    finally:
        seat_a.dispose()
        seat_b.dispose()


def test_every_committed_write_notifies_other_seats_and_a_rollback_does_not(pg_url, clock):
    """NOTIFY is sent from inside the writing transaction (db.py's session hook), so a seat hears
    of a change exactly when it commits; the watcher wakes on it."""
    import threading

    from hvdesk.demo import load_demo
    from hvdesk.services.base import Actor
    from hvdesk.services.changes import ChangeWatcher, changes_since, latest_event_id
    from hvdesk.services.tracker import TrackerService

    seat_a, seat_b = Database(pg_url), Database(pg_url)
    load_demo(seat_a, clock)
    woke = threading.Event()
    watcher = ChangeWatcher(seat_b, woke.set, lambda _e: None)
    watcher.start()
    try:
        last = latest_event_id(seat_b)
        visit_id = TrackerService(seat_a, clock).board().rows[0].visit.id
        with pytest.raises(RuntimeError), seat_a.transaction() as s:
            s.add(Event(at=clock.now(), kind="checked_in", user_name="x", visit_id=visit_id))
            s.flush()
            raise RuntimeError("rolled back")
        assert not woke.wait(1.0)  # nothing committed: nobody is told
        TrackerService(seat_a, clock).check_in(Actor(None, "Seat A"), visit_id)
        # Seat to seat by the commit's own NOTIFY: on PostgreSQL the watcher has no poll to fall
        # back on (it wakes only on a notification), so waking at all is the push; how long it
        # took on a loaded machine is not this test's to judge (bench/bench_live.py measures it).
        assert woke.wait(30)
        assert changes_since(seat_b, last).visit_ids == {visit_id}
    finally:
        watcher.stop()
        seat_a.dispose()
        seat_b.dispose()


def test_server_stopping_is_reported_and_the_seat_catches_up_when_it_returns(pg_url, clock):
    """PostgreSQL stops while staff are out and a check-in is being recorded: the write fails
    cleanly (nothing half-saved), the watcher says the database is not answering, and when the
    server is back it reports healthy, wakes once to catch up, and writes work again."""
    import threading
    from urllib.parse import parse_qs, urlparse

    from sqlalchemy.exc import OperationalError

    from hvdesk.services.changes import ChangeWatcher, changes_since, latest_event_id

    query = parse_qs(urlparse(pg_url.replace("postgresql+psycopg", "postgresql")).query)
    base = Path(query["host"][0])
    pg_ctl = pgcluster.pg_bin("pg_ctl")
    assert pg_ctl
    prefix = pgcluster.run_as_prefix()
    port = query["port"][0]

    def ctl(*args: str) -> None:
        subprocess.run(
            [*prefix, pg_ctl, "-D", str(base / "data"), *args], check=True, capture_output=True
        )

    seat_a, seat_b = Database(pg_url), Database(pg_url)
    health: list[object] = []
    changed = threading.Event()
    down, back = threading.Event(), threading.Event()

    def on_health(error: object) -> None:
        health.append(error)
        (down if error else back).set()

    watcher = ChangeWatcher(seat_b, changed.set, on_health)
    watcher.start()
    last = latest_event_id(seat_b)
    try:
        ctl("-m", "fast", "-w", "stop")
        assert down.wait(15), health
        with pytest.raises(OperationalError), seat_a.transaction() as s:
            s.add(Event(at=clock.now(), kind="checked_in", user_name="Seat A"))
        changed.clear()
        pgcluster.serve(base, port)
        assert back.wait(15), health
        assert changed.wait(5)  # one wake to catch up on whatever happened meanwhile
        assert health[-1] is None and watcher.healthy
        assert changes_since(seat_b, last).empty  # the failed write left nothing behind
        changed.clear()
        with seat_a.transaction() as s:
            s.add(Event(at=clock.now(), kind="checked_in", user_name="Seat A"))
        assert changed.wait(5)
        assert changes_since(seat_b, last).events == 1
    finally:
        watcher.stop()
        seat_a.dispose()
        seat_b.dispose()


def test_events_refuse_update_and_delete_and_two_seats_keep_one_chain(pg_url, clock):
    """The triggers refuse edits on PostgreSQL too; writers on two seats interleave into one chain."""
    import threading

    from sqlalchemy.exc import DBAPIError

    from hvdesk.audit import verify
    from hvdesk.services.base import Actor, Service

    seat_a, seat_b = Database(pg_url), Database(pg_url)

    def write(db: Database, who: str) -> None:
        service = Service(db, clock)
        for n in range(15):
            with db.transaction() as session:
                service.audit(session, Actor(None, who), "note", f"{who} {n}")

    threads = [
        threading.Thread(target=write, args=(d, w)) for d, w in ((seat_a, "A"), (seat_b, "B"))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with seat_a.engine.connect() as conn:
        assert str(verify(conn)) == "30 events, chain intact"
    for statement in ("UPDATE event SET note = 'x'", "DELETE FROM event", "TRUNCATE event"):
        with pytest.raises(DBAPIError, match="append-only"), seat_a.engine.begin() as conn:
            conn.execute(text(statement))
    seat_a.dispose()
    seat_b.dispose()


def test_the_documented_app_role_cannot_change_or_unprotect_events(pg_url, clock):
    """README's role: it writes events, but cannot update, delete or drop the triggers."""
    from sqlalchemy.exc import DBAPIError

    from hvdesk.audit import verify
    from hvdesk.services.base import Actor, Service

    owner = Database(pg_url)
    with owner.engine.begin() as conn:
        dbname = conn.execute(text("SELECT current_database()")).scalar()
        if not conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = 'hvdesk_app'")).scalar():
            conn.execute(text("CREATE ROLE hvdesk_app LOGIN"))
        conn.execute(text(f"GRANT CONNECT ON DATABASE {dbname} TO hvdesk_app"))
        conn.execute(text("GRANT USAGE ON SCHEMA public TO hvdesk_app"))
        conn.execute(
            text(
                "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO hvdesk_app"
            )
        )
        conn.execute(text("REVOKE UPDATE, DELETE, TRUNCATE ON event FROM hvdesk_app"))
        conn.execute(text("GRANT USAGE ON ALL SEQUENCES IN SCHEMA public TO hvdesk_app"))
    owner.dispose()
    app = Database(pg_url.replace("hvdesk@", "hvdesk_app@"))
    with app.transaction() as session:
        Service(app, clock).audit(session, Actor(None, "Office"), "note", "written by the app")
    for statement in (
        "UPDATE event SET note = 'x'",
        "DELETE FROM event",
        "DROP TRIGGER event_no_update_delete ON event",
    ):
        with (
            pytest.raises(DBAPIError, match=r"permission denied|must be owner"),
            app.engine.begin() as conn,
        ):
            conn.execute(text(statement))
    with app.engine.connect() as conn:
        assert verify(conn).intact
    app.dispose()


def test_the_visits_list_filters_and_pages_on_postgresql(pg_url, clock):
    """The list's SQL (case-insensitive text, unindexed-column terms, every sort) on PostgreSQL."""
    from hvdesk.demo import load_demo
    from hvdesk.services.visit_list import SortKey, VisitFilter, VisitList

    db = Database(pg_url)
    try:
        load_demo(db, clock)
        visits = VisitList(db, clock)
        everything = visits.page(VisitFilter(), 0, 1000)
        assert len(everything) > 40
        assert (
            visits.page(VisitFilter(), 0, 10) + visits.page(VisitFilter(), 10, 1000) == everything
        )
        name = everything[0].household_name
        found = visits.page(VisitFilter(text=name.upper()), 0, 1000)
        assert found and {r.household_name for r in found} >= {name}
        completed = visits.page(VisitFilter(text="b", status="completed"), 0, 1000)
        assert {r.status for r in completed} <= {"completed"}
        assert visits.page(VisitFilter(text="no such visit"), 0, 10) == []
        for key in SortKey:
            assert len(visits.page(VisitFilter(sort=key, descending=False), 0, 1000)) == len(
                everything
            )
    finally:
        db.dispose()


def test_attendance_import_compare_and_suggestions_on_postgresql(pg_url, clock):
    """The import's compare-and-insert and the suggestions' read are SQLite-tuned; the portable
    path (Core, real DATE columns) gives the same answers here."""
    from hvdesk.clock import london
    from hvdesk.demo import demo_attendance_csv, demo_upn, load_demo
    from hvdesk.services.attendance import AttendanceService
    from hvdesk.services.base import Actor

    db = Database(pg_url)
    load_demo(db, clock)
    svc = AttendanceService(db, clock)
    office = Actor(None, "Sam Office", "office")
    assert [s.pupil_name for s in svc.suggestions()] == ["Ben Begum", "Kai Evans"]
    again = svc.import_text(office, demo_attendance_csv(london(clock.now()).date()))
    assert again.added == again.changed == 0 and again.unchanged == again.rows > 0
    fixed = svc.import_text(office, f"UPN,Date,Session,Mark\n{demo_upn(1)},2026-11-23,AM,I\n")
    assert (fixed.added, fixed.changed) == (0, 1)
    db.dispose()


def test_0019_to_0021_and_back_with_person_alarms_on_postgresql(pg_url):
    """The round trip of tests/migration_roundtrip.py on a real server: each revision is one
    transaction there, and 0020 adds and drops the late foreign keys too."""
    from tests.migration_roundtrip import round_trip

    db = Database(pg_url)
    try:
        round_trip(db)
    finally:
        db.dispose()
