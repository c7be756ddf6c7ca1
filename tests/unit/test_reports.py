"""Report figures, pure and worked by hand; then the service over the demo school and its exports."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

import pypdf

from hvdesk.rules import reports as r

T = datetime(2026, 11, 10, 10, 0, tzinfo=UTC)
S = timedelta(seconds=1)


def alarm(key="checkin", taken=None, resolved=None, resolution="", drill=False, at=T):
    return r.AlarmRow(
        f"{key}@x",
        at,
        at + taken * S if taken is not None else None,
        at + resolved * S if resolved is not None else None,
        resolution,
        drill,
    )


def test_percentile_is_nearest_rank_and_median_is_the_middle():
    assert r.p90([5.0]) == 5.0
    assert r.p90([float(n) for n in range(1, 11)]) == 9.0
    assert r.p90([float(n) for n in range(1, 12)]) == 10.0
    assert r.p90([]) is None and r.median([]) is None
    assert r.median([1.0, 3.0, 100.0]) == 3.0


def test_alarm_figures_bs8484_style_with_drills_and_merged_kept_apart():
    rows = [
        alarm(taken=5, resolved=60),
        alarm(taken=8, resolved=120, resolution="false_alarm"),
        alarm(taken=30, resolved=600),
        alarm(taken=90, resolved=900),
        alarm(taken=None),  # never taken: counts against the shares, not in the times
        alarm(key="duress", taken=3, resolved=1200),
        alarm(taken=1, resolved=2, drill=True),
        alarm(taken=1, resolved=2, resolution="merged"),
        alarm(taken=20, resolved=40, at=T + timedelta(days=30)),  # December
    ]
    figures = {(f.month, f.kind): f for f in r.alarm_figures(rows)}
    checkin = figures[("2026-11", "checkin")]
    assert checkin.alarms == 5 and checkin.drills == 1
    assert checkin.taken_median_s == 19.0  # of 5, 8, 30, 90
    assert checkin.taken_p90_s == 90.0
    assert checkin.resolved_median_s == 360.0 and checkin.resolved_p90_s == 900.0
    assert checkin.within_10s == 2 / 5 and checkin.within_40s == 3 / 5
    assert checkin.false_alarms == 1
    everything = figures[("2026-11", "all")]
    assert everything.alarms == 6 and everything.within_10s == 3 / 6 and everything.drills == 1
    assert figures[("2026-11", "duress")].taken_median_s == 3.0
    assert figures[("2026-12", "checkin")].alarms == 1
    assert [k for k in figures if k[0] == "2026-11"][-1] == ("2026-11", "all")


def test_visits_cancellations_and_write_ups():
    rows = [
        r.VisitRow(T, "Attendance concern", "completed"),
        r.VisitRow(T, "Attendance concern", "completed", nobody_home=True),
        r.VisitRow(T, "Safe and well check", "cancelled", "safety_concern"),
        r.VisitRow(T, "Safe and well check", "cancelled", "family_cancelled"),
        r.VisitRow(T, "Safe and well check", "returned"),
        r.VisitRow(T + timedelta(days=25), "Attendance concern", "approved"),
    ]
    by_purpose = r.visits_by_month(rows, "purpose")
    assert by_purpose == {
        "2026-11": {"Attendance concern": 2, "Safe and well check": 3},
        "2026-12": {"Attendance concern": 1},
    }
    by_outcome = r.visits_by_month(rows, "outcome")
    assert by_outcome["2026-11"] == {
        "Completed": 1,
        "Nobody home": 1,
        "Cancelled": 2,
        "Not written up": 1,
    }
    assert r.cancellations_by_reason(rows) == {"safety_concern": 1, "family_cancelled": 1}
    assert r.not_written_up(rows) == 1
    acted = r.suggestions_acted_on([(T, "booked"), (T, "dismissed"), (T, "booked")])
    assert acted == {"2026-11": {"booked": 2, "dismissed": 1}}


def test_report_service_over_the_demo_school_exports_csv_and_pdf(demo_db, clock, office):
    from hvdesk.services.reports import ReportService

    svc = ReportService(demo_db, clock)
    report = svc.build()
    assert sum(sum(c.values()) for c in report.by_purpose.values()) == report.visits
    text = svc.to_csv(report)
    rows = list(csv.reader(io.StringIO(text)))
    sections = {row[0] for row in rows if row}
    assert {"Visits by purpose", "Visits by outcome", "Cancellations", "Alarms"} <= sections
    pdf = svc.to_pdf(office, report)
    page = pypdf.PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Visits per month by purpose" in page
