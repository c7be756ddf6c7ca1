"""The soak benchmark's second seat keeps Today a school's day: a visit home is written up through
the outcome service, then moved into the past week, and nothing of the audit trail is touched."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bench.bench_soak import _actor, _into_past_week, _written_up
from hvdesk.audit import verify
from hvdesk.clock import london
from hvdesk.models import Household, Staff, Visit, VisitStatus
from hvdesk.services.outcomes import OutcomeService
from hvdesk.services.tracker import TrackerService
from hvdesk.services.visits import VisitQueries


def test_a_visit_home_is_written_up_and_leaves_today_with_the_audit_chain_whole(
    demo_db, clock, make_visit
):
    with demo_db.read() as s:
        household = s.scalars(select(Household.id)).first()
        lead, companion = list(s.scalars(select(Staff.id).where(Staff.active.is_(True))))[:2]
    visit_id = make_visit(
        household_id=household,
        lead_id=lead,
        companion_id=companion,
        start=clock.now() + timedelta(minutes=15),
        status=VisitStatus.APPROVED.value,
    )
    head = _actor(demo_db, "head")
    tracker = TrackerService(demo_db, clock)
    tracker.depart(head, visit_id)
    clock.advance(timedelta(minutes=50))
    tracker.returned(head, visit_id)
    today = london(clock.now()).date()
    queries = VisitQueries(demo_db, clock)
    assert visit_id in {v.id for v in queries.on_day(today)}

    _written_up(OutcomeService(demo_db, clock), head, visit_id)
    _into_past_week(demo_db, visit_id, 3)

    assert visit_id not in {v.id for v in queries.on_day(today)}
    assert visit_id in {v.id for v in queries.on_day(today - timedelta(days=3))}
    with demo_db.read() as s:
        visit = s.get(Visit, visit_id)
        assert visit is not None
        assert visit.status == VisitStatus.COMPLETED.value
        assert visit.returned_at is not None and visit.departed_at is not None
        assert visit.departed_at < visit.returned_at
    assert visit_id not in {v.id for v in queries.with_status(VisitStatus.RETURNED)}
    with demo_db.engine.connect() as conn:
        report = verify(conn)
    assert report.intact, str(report)


def test_no_trim_switches_off_the_windows_minute_trim(monkeypatch):
    """`--no-trim` gives the "without" figure: the window's once-a-minute malloc_trim does nothing."""
    from bench import bench_soak
    from hvdesk.platform import heap
    from ui import office_pc

    monkeypatch.setattr(office_pc, "release_free_memory", office_pc.release_free_memory)
    assert bench_soak.parser().parse_args(["--quick", "--no-trim"]).no_trim is True
    assert bench_soak.parser().parse_args(["--quick"]).no_trim is False
    called: list[bool] = []
    monkeypatch.setattr(heap, "_glibc", lambda: lambda _pad: called.append(True))
    bench_soak.switch_off_window_trim()
    assert office_pc.release_free_memory() is False
    assert called == []


def test_the_trace_census_names_what_dead_weakrefs_methods_and_closures_belong_to():
    """The census counts these by what they belong to, so a list of dead weak references or a
    bound method or closure kept per refresh is named, not only 'weakref +300, method +90'."""
    import weakref

    from bench.soak_trace import _types

    class Gone:
        def poke(self) -> None: ...

    def closure(value: object):
        return lambda: value

    gone = Gone()
    kept = [weakref.ref(gone), weakref.ref(gone), Gone().poke, closure(3.5)]
    del gone
    found = _types()
    assert found["dead weakref, callback NoneType"] >= 2
    assert found[f"method {__name__}.{Gone.poke.__qualname__}"] >= 1
    assert found["cell holding builtins.float"] >= 1
    assert found[f"function {__name__}.{closure(0).__qualname__}"] >= 1
    assert kept
