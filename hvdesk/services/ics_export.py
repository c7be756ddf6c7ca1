"""Export visits to an iCalendar (.ics) file for Outlook (Harrogate 4.9: visits go in the team's
Outlook calendar).

An exported calendar leaves hvdesk's control, so it carries only what the school chooses: by default
the purpose, times, staff and office contact. The family's name and address appear only with the
policy setting ics_include_address, the pupil only with ics_include_pupil. Never exported: notes,
known risks, phone numbers, social workers, safe words, vehicles, or an 'Other' purpose's free text.
Every export is recorded as an Event.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from hvdesk import __version__
from hvdesk.clock import fmt_time, london_day_bounds
from hvdesk.errors import FieldError, HvdeskError, NotFound, ValidationError
from hvdesk.events import EventKind
from hvdesk.models import STATUS_LABELS, Purpose, Staff, Visit, VisitStatus
from hvdesk.policy import PolicySettings
from hvdesk.rules.booking import purpose_label
from hvdesk.services.base import Actor, Service
from hvdesk.services.settings import SettingsService
from hvdesk.services.visits import VisitQueries

MAX_DAYS = 3 * 366
UID_DOMAIN = "hvdesk"
TENTATIVE = {VisitStatus.DRAFT.value, VisitStatus.AWAITING_APPROVAL.value}
CANCELLED = {VisitStatus.CANCELLED.value, VisitStatus.REJECTED.value}


@dataclass(frozen=True)
class ExportResult:
    path: Path
    count: int
    message: str


def visit_uid(visit_id: int) -> str:
    """Stable per visit, so importing again updates the same calendar entry."""
    return f"visit-{visit_id}@{UID_DOMAIN}"


def ics_status(status: str) -> str:
    if status in CANCELLED:
        return "CANCELLED"
    if status in TENTATIVE:
        return "TENTATIVE"
    return "CONFIRMED"


def _summary(visit: Visit, policy: PolicySettings) -> str:
    purpose = "Other" if visit.purpose == Purpose.OTHER.value else purpose_label(visit.purpose, "")
    text = f"Home visit: {purpose}"
    if policy.ics_include_address:
        text += f", {visit.household.name}"
    if visit.status in TENTATIVE | CANCELLED:
        text = f"[{STATUS_LABELS[VisitStatus(visit.status)]}] {text}"
    return text


def _description(visit: Visit, policy: PolicySettings) -> str:
    staff = [f"{visit.lead_staff.name} (lead)"]
    if visit.companion_staff is not None:
        staff.append(visit.companion_staff.name)
    lines = [
        f"Visit {fmt_time(visit.start)}–{fmt_time(visit.end)}; leave school "
        f"{fmt_time(visit.planned_departure)}, back by {fmt_time(visit.expected_return)}",
        "Staff: " + " + ".join(staff),
        f"Office contact: {visit.office_contact or 'the school office'}",
        f"Status: {STATUS_LABELS[VisitStatus(visit.status)]}",
        "Announced" if visit.announced else "Unannounced",
    ]
    if policy.ics_include_pupil and visit.pupil is not None:
        year = f" ({visit.pupil.year_group})" if visit.pupil.year_group else ""
        lines.append(f"Pupil: {visit.pupil.name}{year}")
    lines.append(f"hvdesk visit {visit.id}: open it in hvdesk for the full details")
    return "\n".join(lines)


def build_calendar(
    visits: list[Visit], policy: PolicySettings, *, name: str, stamp: datetime
) -> bytes:
    """The .ics bytes. Times are written in UTC, which Outlook shows in local time. icalendar is
    imported here, at the first export: the Calendar screen (it makes this service) is built as
    the window starts, which need not wait for it."""
    from icalendar import Calendar
    from icalendar import Event as IcsEvent

    cal = Calendar()
    cal.add("prodid", f"-//hvdesk//home visits {__version__}//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    for visit in visits:
        event = IcsEvent()
        event.add("uid", visit_uid(visit.id))
        event.add("dtstamp", stamp)
        event.add("sequence", max(0, visit.row_version - 1))
        # Staff are away from school from departure to return: block the whole time.
        event.add("dtstart", visit.planned_departure)
        event.add("dtend", visit.expected_return)
        event.add("summary", _summary(visit, policy))
        event.add(
            "location",
            visit.household.one_line_address
            if policy.ics_include_address
            else "Home visit (address in hvdesk)",
        )
        event.add("description", _description(visit, policy))
        event.add("status", ics_status(visit.status))
        event.add("transp", "OPAQUE")
        event.add("categories", ["Home visit"])
        event.add("class", "PRIVATE")
        cal.add_component(event)
    return bytes(cal.to_ical())


def default_file_name(who: str, first: date, last: date) -> str:
    plain = unicodedata.normalize("NFKD", who).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-") or "team"
    return f"home-visits-{slug}-{first:%Y%m%d}-{last:%Y%m%d}.ics"


class ExportNotSaved(HvdeskError):
    """The disk refused the file (no permission, disk full, a folder gone): nothing recorded."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"Not saved: {path}: {reason}")
        self.path, self.reason = path, reason


class IcsExportService(Service):
    @staticmethod
    def check_request(path: Path | str, *, first_day: date, last_day: date) -> list[FieldError]:
        """What is wrong with the request itself, without the database or the disk (a form says
        it at once, on the GUI thread)."""
        errors: list[FieldError] = []
        if last_day < first_day:
            errors.append(FieldError("To", "is before 'From'; choose a later last day"))
        elif (last_day - first_day).days > MAX_DAYS:
            errors.append(FieldError("To", "export at most three years at a time"))
        if not str(path).strip():
            errors.append(FieldError("File", "is required; choose where to save the .ics file"))
        elif Path(path).suffix.lower() != ".ics":
            errors.append(FieldError("File", "must end in .ics so Outlook recognises it"))
        return errors

    def validate(
        self, path: Path | str, *, first_day: date, last_day: date, staff_id: int | None = None
    ) -> str:
        """Check the request (fast, before any work); returns whose visits these are."""
        target = Path(path)
        errors = self.check_request(path, first_day=first_day, last_day=last_day)
        if not any(e.field == "File" for e in errors) and not target.parent.is_dir():
            errors.append(
                FieldError("File", f"folder {target.parent} does not exist; choose another")
            )
        who = "Whole team"
        if staff_id is not None:
            with self.db.read() as session:
                person = session.get(Staff, staff_id)
            if person is None:
                raise NotFound(f"No staff member with id {staff_id}")
            who = person.name
        if errors:
            raise ValidationError(errors)
        return who

    def export(
        self,
        actor: Actor,
        path: Path | str,
        *,
        first_day: date,
        last_day: date,
        staff_id: int | None = None,
        include_cancelled: bool = False,
    ) -> ExportResult:
        """Write one staff member's (or the whole team's) visits from first_day to last_day.

        A year of a busy school takes a second or two (icalendar does the work): the screen runs
        this on its background worker.
        """
        who = self.validate(path, first_day=first_day, last_day=last_day, staff_id=staff_id)
        target = Path(path)
        data, count = self.build(
            first_day=first_day,
            last_day=last_day,
            staff_id=staff_id,
            include_cancelled=include_cancelled,
            who=who,
        )
        try:
            target.write_bytes(data)
        except OSError as err:
            raise ExportNotSaved(target, err.strerror or str(err)) from None
        policy = SettingsService(self.db, self.clock).policy()
        with self.db.transaction() as session:
            self.audit(
                session,
                actor,
                EventKind.CALENDAR_EXPORTED,
                f"{who}: {count} visits, {first_day:%d %b %Y} to {last_day:%d %b %Y}",
                staff_id=staff_id,
                data={
                    "file": target.name,
                    "count": count,
                    "address": policy.ics_include_address,
                    "pupil": policy.ics_include_pupil,
                },
            )
        return ExportResult(
            target, count, f"Exported {count} visit{'s' * (count != 1)} for {who} to {target.name}."
        )

    def build(
        self,
        *,
        first_day: date,
        last_day: date,
        staff_id: int | None = None,
        include_cancelled: bool = False,
        who: str = "Whole team",
    ) -> tuple[bytes, int]:
        """The calendar bytes and how many visits they hold (nothing written, nothing audited)."""
        policy = SettingsService(self.db, self.clock).policy()
        start, _ = london_day_bounds(first_day)
        _, end = london_day_bounds(last_day)
        visits = VisitQueries(self.db, self.clock).in_range(
            start, end, staff_id=staff_id, include_cancelled=include_cancelled
        )
        name = f"{policy.school_name} home visits: {who}"
        return build_calendar(visits, policy, name=name, stamp=self.clock.now()), len(visits)
