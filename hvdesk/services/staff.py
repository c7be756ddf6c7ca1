"""Staff: create, edit, deactivate (never delete). Phone numbers and registrations validated."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from hvdesk.errors import Collector, FieldError, NotFound, ValidationError
from hvdesk.models import LoneWorkingAssessment, Role, Staff
from hvdesk.rules import validation as v
from hvdesk.services.base import Actor, Service


@dataclass
class StaffInput:
    """What the staff form holds, as typed. The service validates and cleans it."""

    name: str = ""
    job_title: str = ""
    mobile: str = ""
    email: str = ""
    description: str = ""
    dbs_type: str = ""
    dbs_date: date | None = None
    lone_working_training_date: date | None = None
    vehicle_make: str = ""
    vehicle_model: str = ""
    vehicle_registration: str = ""
    vehicle_colour: str = ""
    business_insurance: bool = False

    @classmethod
    def from_staff(cls, staff: Staff) -> StaffInput:
        return cls(**{f: getattr(staff, f) for f in cls.__dataclass_fields__})


def clean_staff(data: StaffInput, today: date) -> dict[str, object]:
    errors = Collector()
    cleaned: dict[str, object] = {
        "name": errors.check("Name", v.required, data.name),
        "job_title": errors.check(
            "Job title", lambda x, f: v.optional_text(x, f, 120), data.job_title
        ),
        "mobile": errors.check("Mobile", v.uk_mobile, data.mobile),
        "email": errors.check("Email", lambda x, f: v.optional_text(x, f, 200), data.email),
        "description": errors.check(
            "Description", lambda x, f: v.optional_text(x, f, 1000), data.description
        ),
        "dbs_type": errors.check("DBS type", lambda x, f: v.optional_text(x, f, 60), data.dbs_type),
        "dbs_date": errors.check(
            "DBS check date", lambda x, f: v.not_future(x, f, today), data.dbs_date
        ),
        "lone_working_training_date": errors.check(
            "Lone working training date",
            lambda x, f: v.not_future(x, f, today),
            data.lone_working_training_date,
        ),
        "vehicle_make": errors.check(
            "Vehicle make", lambda x, f: v.optional_text(x, f, 60), data.vehicle_make
        ),
        "vehicle_model": errors.check(
            "Vehicle model", lambda x, f: v.optional_text(x, f, 60), data.vehicle_model
        ),
        "vehicle_registration": errors.check(
            "Vehicle registration", v.vehicle_registration, data.vehicle_registration
        ),
        "vehicle_colour": errors.check(
            "Vehicle colour", lambda x, f: v.optional_text(x, f, 40), data.vehicle_colour
        ),
        "business_insurance": bool(data.business_insurance),
    }
    if data.dbs_date and not (data.dbs_type or "").strip():
        errors.add(
            "DBS type", "is required when a DBS date is given (e.g. Enhanced with barred list)"
        )
    errors.raise_if_any()
    return cleaned


def mobile_holder(session: Session, mobile: str, staff_id: int | None) -> str | None:
    """Who else (active) has this mobile, on the Staff screen or their lone working form.

    Texts are matched to a person by their mobile: two people on one number could not be told
    apart, so a safe word or a check-in from it would reach nobody."""
    if not mobile:
        return None
    others = select(Staff.name).where(Staff.active.is_(True), Staff.id != (staff_id or 0))
    return (
        session.scalars(others.where(Staff.mobile == mobile)).first()
        or session.scalars(
            others.join(LoneWorkingAssessment, LoneWorkingAssessment.staff_id == Staff.id).where(
                LoneWorkingAssessment.mobile == mobile
            )
        ).first()
    )


def refuse_shared_mobile(
    session: Session, mobile: str, staff_id: int | None, field: str = "Mobile"
) -> None:
    holder = mobile_holder(session, mobile, staff_id)
    if holder is not None:
        raise ValidationError(
            [
                FieldError(
                    field,
                    f"{v.display_phone(mobile) or mobile} is already {holder}'s mobile; texts "
                    "from one number cannot be told apart, so enter this person's own mobile",
                )
            ]
        )


class StaffService(Service):
    def list(self, *, include_inactive: bool = False) -> list[Staff]:
        with self.db.read() as session:
            stmt = select(Staff).order_by(Staff.name)
            if not include_inactive:
                stmt = stmt.where(Staff.active.is_(True))
            return list(session.scalars(stmt))

    def get(self, staff_id: int) -> Staff:
        with self.db.read() as session:
            staff = session.get(Staff, staff_id)
            if staff is None:
                raise NotFound(f"No staff member with id {staff_id}")
            return staff

    def create(self, actor: Actor, data: StaffInput) -> Staff:
        actor.require(Role.OFFICE, Role.APPROVER, Role.ADMIN, action="add staff")
        cleaned = clean_staff(data, self.clock.now().date())
        with self.db.transaction() as session:
            refuse_shared_mobile(session, str(cleaned["mobile"]), None)
            staff = Staff(**cleaned, active=True, created_at=self.clock.now())
            session.add(staff)
            session.flush()
            self.audit(session, actor, "staff_created", staff.name, staff_id=staff.id)
        return staff

    def update(self, actor: Actor, staff_id: int, data: StaffInput) -> Staff:
        actor.require(Role.OFFICE, Role.APPROVER, Role.ADMIN, action="edit staff")
        cleaned = clean_staff(data, self.clock.now().date())
        with self.db.transaction() as session:
            staff = session.get(Staff, staff_id)
            if staff is None:
                raise NotFound(f"No staff member with id {staff_id}")
            refuse_shared_mobile(session, str(cleaned["mobile"]), staff_id)
            changed = {}
            for key, value in cleaned.items():
                old = getattr(staff, key)
                if old != value:
                    changed[key] = [str(old), str(value)]
                    setattr(staff, key, value)
            self.audit(session, actor, "staff_edited", staff.name, staff_id=staff.id, data=changed)
        return staff

    def set_active(self, actor: Actor, staff_id: int, active: bool) -> Staff:
        actor.require(Role.OFFICE, Role.APPROVER, Role.ADMIN, action="deactivate staff")
        with self.db.transaction() as session:
            staff = session.get(Staff, staff_id)
            if staff is None:
                raise NotFound(f"No staff member with id {staff_id}")
            staff.active = active
            kind = "staff_reactivated" if active else "staff_deactivated"
            self.audit(session, actor, kind, staff.name, staff_id=staff.id)
        return staff
