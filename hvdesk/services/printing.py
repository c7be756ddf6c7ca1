"""Printing a form: load its data in one short session, draw the PDF, record the print.

The PDF is drawn outside the session (no database lock held while ReportLab works) and the audit
Event is written only once the PDF exists, so the trail never claims a print that failed.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from hvdesk.clock import london_day_bounds
from hvdesk.errors import HvdeskError, NotAllowed, NotFound
from hvdesk.events import EventKind
from hvdesk.models import (
    Alarm,
    Event,
    Household,
    InboundText,
    LoneWorkingAssessment,
    Role,
    Setting,
    Staff,
    UserAccount,
    Visit,
)
from hvdesk.policy import PolicySettings
from hvdesk.printing import FORMS, FormSpec
from hvdesk.printing.base import Letterhead, render
from hvdesk.printing.context import (
    DayData,
    FormData,
    PersonData,
    PrintContext,
    StaffData,
    VisitData,
)
from hvdesk.rules.validation import display_phone
from hvdesk.rules.visit_forms import visit_form_problem
from hvdesk.services.base import Actor, Service
from hvdesk.services.settings import POLICY_KEY, SCHOOL_KEY
from hvdesk.services.whereabouts import whereabouts


@dataclass(frozen=True)
class Printout:
    form: str
    title: str
    pdf: bytes
    pages: int
    path: Path | None = None


class SelectionError(HvdeskError):
    """The form was asked for the wrong thing (a day sheet for a visit, a form with no id...)."""

    def __init__(self, spec: FormSpec, message: str) -> None:
        super().__init__(message)
        self.spec = spec


class OutputError(HvdeskError):
    """The PDF could not be written where asked (missing folder, no permission, disk full)."""


def _visit_options() -> tuple[Any, ...]:
    return (
        joinedload(Visit.household).selectinload(Household.risks),
        joinedload(Visit.pupil),
        joinedload(Visit.lead_staff),
        joinedload(Visit.companion_staff),
        joinedload(Visit.vehicle_staff),
        joinedload(Visit.risk_assessment),
    )


def _visit_events(session: Session, visit_id: int) -> list[Event]:
    """A visit's timeline, oldest first: its sheet's times and last contact come from it."""
    return list(
        session.scalars(
            select(Event).where(Event.visit_id == visit_id).order_by(Event.at, Event.id)
        )
    )


def spec_for(form: str) -> FormSpec:
    try:
        return FORMS[form]
    except KeyError:
        raise HvdeskError(f"Unknown form '{form}'; choose one of: {', '.join(FORMS)}.") from None


def check_selection(
    spec: FormSpec,
    *,
    visit_id: int | None,
    staff_id: int | None,
    day: date | None,
    alarm_id: int | None = None,
) -> None:
    """Exactly the one thing this form is printed for must be given."""
    given = {
        "visit": visit_id is not None,
        "staff": staff_id is not None,
        "day": day is not None,
        "alarm": alarm_id is not None,
    }
    what = {
        "visit": "one visit",
        "staff": "one staff member",
        "day": "one day",
        "alarm": "one alarm about a person",
    }[spec.selector]
    if not given[spec.selector]:
        raise SelectionError(spec, f"The {spec.title} is printed for {what}; say which.")
    extra = [k for k, v in given.items() if v and k != spec.selector]
    if extra:
        raise SelectionError(
            spec,
            f"The {spec.title} is printed for {what} only; a {' or '.join(extra)} "
            "cannot be given too.",
        )


def write_pdf(path: Path, pdf: bytes) -> Path:
    """Write next to the target and rename, so a viewer never opens a half-written file."""
    path = Path(path).expanduser()
    if path.is_dir():
        raise OutputError(f"{path} is a folder; give a file name such as {path / 'form.pdf'}.")
    folder = path.parent
    if not folder.is_dir():
        raise OutputError(f"Cannot write {path}: the folder {folder} does not exist.")
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=".hvdesk-", suffix=".pdf", dir=folder)
        with os.fdopen(fd, "wb") as fh:
            fh.write(pdf)
        os.replace(tmp, path)
    except OSError as err:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        reason = err.strerror or str(err)
        raise OutputError(
            f"Cannot write {path}: {reason}. Choose a folder you can write to."
        ) from None
    return path


class PrintService(Service):
    def make(
        self,
        actor: Actor,
        form: str,
        *,
        visit_id: int | None = None,
        staff_id: int | None = None,
        day: date | None = None,
        alarm_id: int | None = None,
        print_safe_word: bool = False,
        path: Path | str | None = None,
    ) -> Printout:
        """Make one form as PDF bytes (and a file when `path` is given); audit the print."""
        spec = spec_for(form)
        check_selection(spec, visit_id=visit_id, staff_id=staff_id, day=day, alarm_id=alarm_id)
        print_safe_word = print_safe_word and spec.selector == "staff"
        if print_safe_word:
            # DESIGN: a safe word is shown only to office users and approvers, on an audited reveal.
            actor.require(Role.OFFICE, Role.APPROVER, action="print a safe word on the form")
        with self.db.read() as session:
            if print_safe_word:
                self._check_signed_in(session, actor)
            ctx = self._context(session, print_safe_word)
            data = (
                self._load_person(session, spec, alarm_id)
                if alarm_id is not None
                else self._load(session, spec, visit_id, staff_id, day)
            )
            if isinstance(data, VisitData):
                problem = visit_form_problem(spec.name, data.visit)
                if problem is not None:
                    raise SelectionError(spec, problem)
        pdf, pages = render(
            spec.story(ctx, data),
            ctx.letterhead,
            spec.title,
            wide=spec.wide,
            confidential=spec.confidential,
        )
        # Recorded (committed) before the file exists: if writing fails half-way, the trail still
        # says who may hold a copy, above all of a safe word.
        self._record(actor, spec, data, pages, print_safe_word)
        written = write_pdf(Path(path), pdf) if path is not None else None
        return Printout(spec.name, spec.title, pdf, pages, written)

    def to_file(self, actor: Actor, form: str, path: Path | str, **selection: Any) -> Path:
        result = self.make(actor, form, path=path, **selection)
        assert result.path is not None
        return result.path

    def to_bytes(self, actor: Actor, form: str, **selection: Any) -> bytes:
        return self.make(actor, form, **selection).pdf

    @staticmethod
    def _check_signed_in(session: Session, actor: Actor) -> None:
        """The actor must be a real, active office or approver account, not a made-up Actor."""
        user = session.get(UserAccount, actor.user_id) if actor.user_id is not None else None
        if user is None or not user.active or user.role not in (Role.OFFICE, Role.APPROVER):
            raise NotAllowed(
                "Only a signed-in office user or approver can print a safe word on the form."
            )

    def context(self) -> PrintContext:
        """The letterhead and policy, for documents printed outside the FORMS list."""
        with self.db.read() as session:
            return self._context(session, False)

    # loading

    def _context(self, session: Session, print_safe_word: bool) -> PrintContext:
        policy_row = session.get(Setting, POLICY_KEY)
        school_row = session.get(Setting, SCHOOL_KEY)
        policy = PolicySettings.from_dict(policy_row.value) if policy_row else PolicySettings()
        school: dict[str, Any] = dict(school_row.value) if school_row else {}
        letterhead = Letterhead(
            school_name=policy.school_name,
            printed_at=self.clock.now(),
            logo_path=str(school.get("logo_path") or ""),
            phone=display_phone(str(school.get("phone") or "")),
            address=str(school.get("address") or "").replace("\n", ", "),
        )
        return PrintContext(letterhead, policy, print_safe_word)

    def _load(
        self,
        session: Session,
        spec: FormSpec,
        visit_id: int | None,
        staff_id: int | None,
        day: date | None,
    ) -> FormData:
        if spec.selector == "staff":
            assert staff_id is not None
            staff = session.get(Staff, staff_id)
            if staff is None:
                raise NotFound(f"No staff member with id {staff_id}")
            assessment = session.scalars(
                select(LoneWorkingAssessment)
                .where(LoneWorkingAssessment.staff_id == staff_id)
                .order_by(LoneWorkingAssessment.signed_on.desc(), LoneWorkingAssessment.id.desc())
                .limit(1)
            ).first()
            return StaffData(staff, assessment)
        if spec.selector == "visit":
            assert visit_id is not None
            visit = session.scalars(
                select(Visit).where(Visit.id == visit_id).options(*_visit_options())
            ).first()
            if visit is None:
                raise NotFound(f"No visit with id {visit_id}")
            return VisitData(visit, _visit_events(session, visit_id))
        assert day is not None
        start, end = london_day_bounds(day)
        visits = session.scalars(
            select(Visit)
            .where(Visit.start >= start, Visit.start < end)
            .options(*_visit_options())
            .order_by(Visit.start, Visit.id)
        ).unique()
        return DayData(day, list(visits))

    def _load_person(self, session: Session, spec: FormSpec, alarm_id: int) -> PersonData:
        """An alarm about a person, who they are, and where hvdesk knows them to be now."""
        alarm = session.get(Alarm, alarm_id)
        if alarm is None:
            raise NotFound(f"No alarm with id {alarm_id}")
        if alarm.visit_id is not None or alarm.staff_id is None:
            raise SelectionError(
                spec,
                f"Alarm {alarm_id} is on visit {alarm.visit_id}: print that visit's police "
                f"information sheet instead (hvdesk print police-sheet --visit {alarm.visit_id}).",
            )
        found = whereabouts(session, alarm.staff_id, self.clock.now())
        if found is None:
            raise NotFound(f"No staff member with id {alarm.staff_id}")
        ids = [v.id for v in found.visits]
        visits = session.scalars(  # every relationship the sheet reads, before the session ends
            select(Visit).where(Visit.id.in_(ids)).options(*_visit_options()).order_by(Visit.id)
        ).unique()
        events = session.scalars(
            select(Event).where(Event.alarm_id == alarm_id).order_by(Event.at, Event.id)
        )
        sender = session.scalar(  # the number the raising text came from, whichever of theirs
            select(InboundText.sender)
            .where(InboundText.alarm_id == alarm_id)
            .order_by(InboundText.id)
            .limit(1)
        )
        return PersonData(
            alarm,
            found.staff,
            found.where,
            [VisitData(v, _visit_events(session, v.id)) for v in visits],
            list(events),
            sender or "",
        )

    def _record(
        self, actor: Actor, spec: FormSpec, data: FormData, pages: int, safe_word: bool
    ) -> None:
        info: dict[str, Any] = {"form": spec.name, "pages": pages}
        refs: dict[str, Any] = {}
        if isinstance(data, StaffData):
            refs["staff_id"] = data.staff.id
            safe_word = safe_word and data.assessment is not None  # none on file: line left blank
            info["safe_word_printed"] = safe_word
        elif isinstance(data, VisitData):
            refs["visit_id"] = data.visit.id
            refs["household_id"] = data.visit.household_id
        elif isinstance(data, PersonData):
            refs["staff_id"] = data.staff.id
            refs["alarm_id"] = data.alarm.id
        else:
            info["day"] = data.day.isoformat()
            info["visits"] = len(data.visits)
        with self.db.transaction() as session:
            self.audit(session, actor, EventKind.PRINTED.value, spec.title, data=info, **refs)
            if safe_word and isinstance(data, StaffData) and data.assessment is not None:
                # A printed safe word is a reveal: it shows in the same trail as on-screen reveals.
                self.audit(
                    session,
                    actor,
                    EventKind.SAFE_WORD_REVEALED.value,
                    f"Safe word for {data.staff.name} printed by {actor.name} on the {spec.title}",
                    staff_id=data.staff.id,
                    data={"assessment_id": data.assessment.id, "printed": True},
                )
