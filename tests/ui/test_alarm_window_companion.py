"""Thomas More: a companion from an outside agency is on the alarm window and its police sheet."""

from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import select

from hvdesk.models import Visit
from ui.tracker.alarm_window import police_sheet_html, staff_lines


def test_outside_agency_companion_in_the_alarm_staff_lines_and_police_sheet(services):
    with services.db.transaction() as s:
        visit = s.scalars(select(Visit).where(Visit.status == "on_site").order_by(Visit.id)).first()
        visit.companion_staff_id = None
        visit.companion_agency_name = "Ann Lee"
        visit.companion_agency_org = "Early Help"
        visit.companion_agency_phone = "+447700900111"
        visit_id = visit.id
    detail = SimpleNamespace(
        visit=services.visits.get(visit_id),
        policy=services.settings.policy(),
        school_phone="",
        alarm=SimpleNamespace(reason="Check-in overdue"),
        last_contact=None,
    )
    lines = staff_lines(detail)
    assert lines[-1] == "Ann Lee (Early Help, companion)  07700\u00a0900111"
    assert len(lines) == len(detail.visit.staff) + 1
    sheet = police_sheet_html(detail)
    assert "<b>Companion</b></td><td>Ann Lee (Early Help, companion)  07700\u00a0900111" in sheet
