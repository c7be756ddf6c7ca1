"""The Reports screen's figures: one read, the pure aggregations in hvdesk.rules.reports, and the
CSV and PDF exports (the PDF print is audited like every other print)."""

from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select

from hvdesk.clock import fmt_date
from hvdesk.events import EventKind
from hvdesk.models import PURPOSE_LABELS, Alarm, AttendanceDecision, Outcome, Purpose, Visit
from hvdesk.rules import reports as r
from hvdesk.services.base import Actor, Service
from hvdesk.services.cancellation import CANCEL_LABELS

if TYPE_CHECKING:  # the PDF export imports ReportLab itself; the screen is built without it
    from reportlab.platypus import Flowable

TITLE = "Home visit reports"


def _seconds(value: float | None) -> str:
    return "" if value is None else f"{value:.0f}"


def _share(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.0f}%"


@dataclass(frozen=True)
class Report:
    start: datetime
    end: datetime
    visits: int
    by_purpose: dict[str, Counter[str]] = field(default_factory=dict)
    by_outcome: dict[str, Counter[str]] = field(default_factory=dict)
    cancellations: Counter[str] = field(default_factory=Counter)
    not_written_up: int = 0
    suggestions: dict[str, Counter[str]] = field(default_factory=dict)
    alarms: list[r.AlarmFigures] = field(default_factory=list)

    def tables(self) -> list[tuple[str, list[str], list[list[str]]]]:
        """(section, header, rows) for the CSV, the PDF and the screen alike."""
        out: list[tuple[str, list[str], list[list[str]]]] = []
        for name, data in (
            ("Visits by purpose", self.by_purpose),
            ("Visits by outcome", self.by_outcome),
            ("Attendance suggestions", self.suggestions),
        ):
            rows = [[m, k, str(n)] for m, counts in data.items() for k, n in sorted(counts.items())]
            out.append((name, ["Month", "What", "Visits" if "Visits" in name else "Count"], rows))
        cancels = [
            [_cancel_label(reason), str(n)] for reason, n in self.cancellations.most_common()
        ]
        out.append(("Cancellations", ["Reason", "Visits"], cancels))
        out.append(("Outcomes not written up", ["Visits"], [[str(self.not_written_up)]]))
        alarm_rows = [
            [
                f.month,
                "All kinds" if f.kind == "all" else r.KIND_WORDS.get(f.kind, f.kind),
                str(f.alarms),
                _seconds(f.taken_median_s),
                _seconds(f.taken_p90_s),
                _seconds(f.resolved_median_s),
                _seconds(f.resolved_p90_s),
                _share(f.within_10s),
                _share(f.within_40s),
                str(f.false_alarms),
                str(f.drills),
            ]
            for f in self.alarms
        ]
        out.append(
            (
                "Alarms",
                [
                    "Month",
                    "Kind",
                    "Alarms",
                    "Taken median s",
                    "Taken p90 s",
                    "Resolved median s",
                    "Resolved p90 s",
                    "Taken within 10 s",
                    "Taken within 40 s",
                    "False alarms",
                    "Drills (apart)",
                ],
                alarm_rows,
            )
        )
        return out


def _cancel_label(reason: str) -> str:
    return next((text for key, text in CANCEL_LABELS.items() if key.value == reason), reason)


def _purpose_label(purpose: str) -> str:
    try:
        return PURPOSE_LABELS[Purpose(purpose)]
    except ValueError:
        return purpose


class ReportService(Service):
    def build(self, start: datetime | None = None, end: datetime | None = None) -> Report:
        end = end or self.clock.now()
        start = start or end - timedelta(days=365)
        with self.db.read() as session:
            nobody = set(
                session.scalars(select(Outcome.visit_id).where(Outcome.nobody_home.is_(True)))
            )
            # the five columns the figures use, not whole visits: a year at a busy school is
            # thousands of visits, each a full ORM object (safe words, notes) held at once
            columns = (Visit.id, Visit.start, Visit.purpose, Visit.status, Visit.cancel_reason)
            visits = [
                r.VisitRow(
                    v.start, _purpose_label(v.purpose), v.status, v.cancel_reason, v.id in nobody
                )
                for v in session.execute(
                    select(*columns).where(Visit.start >= start, Visit.start <= end)
                )
            ]
            alarms = [
                r.AlarmRow(
                    a.deadline_key,
                    a.raised_at,
                    a.acknowledged_at,
                    a.resolved_at,
                    a.resolution,
                    a.drill,
                )
                for a in session.scalars(
                    select(Alarm).where(Alarm.raised_at >= start, Alarm.raised_at <= end)
                )
            ]
            decisions = list(
                session.execute(
                    select(AttendanceDecision.decided_at, AttendanceDecision.action).where(
                        AttendanceDecision.decided_at >= start
                    )
                )
            )
        return Report(
            start,
            end,
            len(visits),
            r.visits_by_month(visits, "purpose"),
            r.visits_by_month(visits, "outcome"),
            r.cancellations_by_reason(visits),
            r.not_written_up(visits),
            r.suggestions_acted_on((at, action) for at, action in decisions),
            r.alarm_figures(alarms),
        )

    @staticmethod
    def to_csv(report: Report) -> str:
        """One file, one section after another: section name in the first column."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([TITLE, f"{fmt_date(report.start)} to {fmt_date(report.end)}"])
        for name, header, rows in report.tables():
            writer.writerow([])
            writer.writerow([name, *header])
            for row in rows:
                writer.writerow([name, *row])
        return out.getvalue()

    def to_pdf(self, actor: Actor, report: Report) -> bytes:
        from hvdesk.printing.base import render
        from hvdesk.services.printing import PrintService

        ctx = PrintService(self.db, self.clock).context()
        pdf, pages = render(_story(report), ctx.letterhead, TITLE, wide=True)
        with self.db.transaction() as session:
            self.audit(
                session,
                actor,
                EventKind.PRINTED.value,
                TITLE,
                data={"form": "reports", "pages": pages},
            )
        return pdf


def _story(report: Report) -> list[Flowable]:
    from hvdesk.printing.base import register_fonts
    from hvdesk.printing.styles import content_width, grid_table, heading, para, title_block

    register_fonts()
    width = content_width(wide=True)
    story: list[Flowable] = [
        *title_block(TITLE, f"{fmt_date(report.start)} to {fmt_date(report.end)}")
    ]
    names = {"Visits by purpose": "Visits per month by purpose"}
    for name, header, rows in report.tables():
        story.append(heading(names.get(name, name)))
        if not rows:
            story.append(para("None in this period."))
            continue
        col = width / len(header)
        story.append(grid_table(header, rows, [col] * len(header)))
    story.append(para(f"{report.visits} visits in the period. Times in seconds."))
    return story
