"""The same schema and services on PostgreSQL, as several office PCs would share it.

A throwaway cluster is started with initdb/pg_ctl on a private socket. Without PostgreSQL installed
the tests skip locally; on CI (CI set) they must run, since scripts/setup.sh --dev installs it.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy import select, text

from hvdesk.db import Database, current_revision, head_revision, make_engine, migrate
from hvdesk.errors import SchemaTooNew
from hvdesk.models import Event, Visit

pytestmark = pytest.mark.slow


def _bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [shutil.which(name) or ""]
    return found[-1] or None


@pytest.fixture(scope="module")
def pg_server():
    initdb, pg_ctl = _bin("initdb"), _bin("pg_ctl")
    if not initdb or not pg_ctl:
        if os.environ.get("CI"):
            pytest.fail(
                "PostgreSQL is not installed on CI; scripts/setup.sh --dev should install it"
            )
        pytest.skip("PostgreSQL server binaries not installed")
    base = Path(tempfile.mkdtemp(prefix="hvdesk-pg-"))
    prefix: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root: run the cluster as the postgres user
        shutil.chown(base, "postgres")
        prefix = ["runuser", "-u", "postgres", "--"]
    port = 54000 + os.getpid() % 900
    data = base / "data"
    subprocess.run(
        [*prefix, initdb, "-D", str(data), "-A", "trust", "-U", "hvdesk"],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            *prefix,
            pg_ctl,
            "-D",
            str(data),
            "-l",
            str(base / "log"),
            "-w",
            "-o",
            f"-p {port} -k {base} -c listen_addresses=''",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    yield f"postgresql+psycopg://hvdesk@/postgres?host={base}&port={port}"
    subprocess.run(
        [*prefix, pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True
    )
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def pg_url(pg_server):
    """A fresh database per test."""
    name = f"t{time.time_ns()}"
    admin = make_engine(pg_server).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    return pg_server.replace("/postgres?", f"/{name}?")


def test_migrates_and_refuses_newer(pg_url):
    db = Database(pg_url)
    assert current_revision(db.engine) == head_revision()
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num='9999_future'"))
    with pytest.raises(SchemaTooNew):
        migrate(db.engine)
    db.dispose()


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
