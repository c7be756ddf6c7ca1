"""SQLAlchemy 2 typed ORM classes for every entity in DESIGN.md section 2.

Datetimes are stored as naive UTC and come back aware (UTCDateTime), so SQLite and PostgreSQL agree.
Nothing is ever hard-deleted: people and homes are deactivated, visits are cancelled, events append.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from hvdesk.rules.folding import search_key
from hvdesk.safe_word_cipher import EncryptedText

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as naive UTC; returns aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; use hvdesk.clock.utc()")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON, list[Any]: JSON}


class Role(StrEnum):
    OFFICE = "office"
    APPROVER = "approver"  # headteacher / assistant head / head of school
    VISITOR = "visitor"  # visiting staff
    ADMIN = "admin"


class Purpose(StrEnum):
    ATTENDANCE = "attendance"
    SAFE_AND_WELL = "safe_and_well"
    INDUCTION = "induction"
    EDUCATED_AT_HOME = "educated_at_home"
    MEETING_PARENTS = "meeting_parents"
    COLLECT_DROP = "collect_drop"
    SUSPECTED_HOLIDAY = "suspected_holiday"
    STATUTORY_ASSESSMENT = "statutory_assessment"
    FAMILY_SUPPORT = "family_support"
    OTHER = "other"


PURPOSE_LABELS: dict[Purpose, str] = {
    Purpose.ATTENDANCE: "Attendance concern",
    Purpose.SAFE_AND_WELL: "Safe and well check",
    Purpose.INDUCTION: "Reception / new-starter induction",
    Purpose.EDUCATED_AT_HOME: "Educated at home or long-term absence (medical)",
    Purpose.MEETING_PARENTS: "Meeting parents at home",
    Purpose.COLLECT_DROP: "Collecting or dropping off a pupil or work",
    Purpose.SUSPECTED_HOLIDAY: "Suspected holiday",
    Purpose.STATUTORY_ASSESSMENT: "Statutory assessment",
    Purpose.FAMILY_SUPPORT: "Family support",
    Purpose.OTHER: "Other",
}


class VisitStatus(StrEnum):
    DRAFT = "draft"
    AWAITING_APPROVAL = "awaiting_approval"
    APPROVED = "approved"
    OUT = "out"  # departed
    ON_SITE = "on_site"
    LEFT_PROPERTY = "left_property"
    RETURNED = "returned"
    COMPLETED = "completed"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


STATUS_LABELS: dict[VisitStatus, str] = {
    VisitStatus.DRAFT: "Draft",
    VisitStatus.AWAITING_APPROVAL: "Awaiting approval",
    VisitStatus.APPROVED: "Approved",
    VisitStatus.OUT: "Out",
    VisitStatus.ON_SITE: "On site",
    VisitStatus.LEFT_PROPERTY: "Left property",
    VisitStatus.RETURNED: "Returned",
    VisitStatus.COMPLETED: "Completed",
    VisitStatus.REJECTED: "Rejected",
    VisitStatus.CANCELLED: "Cancelled",
}

ACTIVE_STATUSES = (VisitStatus.OUT, VisitStatus.ON_SITE, VisitStatus.LEFT_PROPERTY)


class CancelReason(StrEnum):
    FAMILY_CANCELLED = "family_cancelled"
    PARENT_NOT_PRESENT = "parent_not_present"
    SAFETY_CONCERN = "safety_concern"
    STAFF_UNAVAILABLE = "staff_unavailable"
    OTHER = "other"


class RiskKind(StrEnum):
    ANIMALS = "animals"
    AGGRESSION = "aggression"
    INTOXICATION = "intoxication"
    RECENT_VIOLENCE = "recent_violence"
    UNEXPECTED_ADULTS = "unexpected_adults"
    OTHER_SERVICES = "other_services"
    OTHER = "other"


class RiskLevel(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class AlarmLevel(StrEnum):
    AMBER = "amber"  # possible duress (wrong PINs by text): the office rings to check
    RED = "red"
    DURESS = "duress"


class AlarmResolution(StrEnum):
    SAFE_FORGOT = "safe_forgot"
    SAFE_DELAYED = "safe_delayed"
    EMERGENCY = "emergency"
    FALSE_ALARM = "false_alarm"
    DRILL = "drill"


class Staff(Base):
    __tablename__ = "staff"
    # the Visits screen sorted by staff walks staff in name order (no sort of every visit)
    __table_args__ = (Index("ix_staff_name", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    job_title: Mapped[str] = mapped_column(String(120), default="")
    mobile: Mapped[str] = mapped_column(String(32))  # E.164
    email: Mapped[str] = mapped_column(String(200), default="")
    description: Mapped[str] = mapped_column(Text, default="")  # for the police sheet
    dbs_type: Mapped[str] = mapped_column(String(60), default="")
    dbs_date: Mapped[date | None] = mapped_column(Date)
    lone_working_training_date: Mapped[date | None] = mapped_column(Date)
    vehicle_make: Mapped[str] = mapped_column(String(60), default="")
    vehicle_model: Mapped[str] = mapped_column(String(60), default="")
    vehicle_registration: Mapped[str] = mapped_column(String(16), default="")
    vehicle_colour: Mapped[str] = mapped_column(String(40), default="")
    business_insurance: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]

    lone_working: Mapped[list[LoneWorkingAssessment]] = relationship(
        back_populates="staff", order_by="LoneWorkingAssessment.signed_on"
    )

    @property
    def vehicle_text(self) -> str:
        parts = [self.vehicle_colour, self.vehicle_make, self.vehicle_model]
        text = " ".join(p for p in parts if p)
        if self.vehicle_registration:
            text = f"{text} {self.vehicle_registration}".strip()
        return text


class UserAccount(Base):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))  # Role
    approver_title: Mapped[str] = mapped_column(String(60), default="")  # Headteacher, HoS...
    password_hash: Mapped[str] = mapped_column(String(255))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    # sign-in guessing: wrong passwords in a row, how many lock-outs so far, locked until when
    failed_sign_ins: Mapped[int] = mapped_column(Integer, default=0)
    lockouts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None]


class Household(Base):
    __tablename__ = "household"
    # the Visits screen sorted by household or address walks households in that order
    __table_args__ = (
        Index("ix_household_name", "name"),
        Index("ix_household_address", "address"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))  # e.g. "Patel family"
    address: Mapped[str] = mapped_column(Text)
    postcode: Mapped[str] = mapped_column(String(10))
    phone: Mapped[str] = mapped_column(String(32), default="")
    parents_carers: Mapped[str] = mapped_column(Text, default="")
    social_worker_name: Mapped[str] = mapped_column(String(120), default="")
    social_worker_phone: Mapped[str] = mapped_column(String(32), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    assessment_needs_review: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    # name, address and postcode folded (no case, no accents), set on every write: what the
    # Households search compares, the same on every database
    search_key: Mapped[str] = mapped_column(Text, default="", server_default="")

    pupils: Mapped[list[Pupil]] = relationship(back_populates="household", order_by="Pupil.name")
    risks: Mapped[list[KnownRisk]] = relationship(
        back_populates="household", order_by="KnownRisk.recorded_at"
    )

    @property
    def one_line_address(self) -> str:
        lines = [ln.strip() for ln in self.address.replace("\n", ",").split(",") if ln.strip()]
        return ", ".join([*lines, self.postcode])


class Pupil(Base):
    __tablename__ = "pupil"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    year_group: Mapped[str] = mapped_column(String(20), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The MIS identifiers an attendance export names a pupil by (UPN is the DfE's 13 characters).
    upn: Mapped[str | None] = mapped_column(String(13), unique=True)
    admission_number: Mapped[str | None] = mapped_column(String(20), unique=True)
    safeguarding_flag: Mapped[bool] = mapped_column(Boolean, default=False)
    search_key: Mapped[str] = mapped_column(Text, default="", server_default="")  # name, folded

    household: Mapped[Household] = relationship(back_populates="pupils")


@event.listens_for(Household, "before_insert")
@event.listens_for(Household, "before_update")
def _household_search_key(_mapper: Any, _conn: Any, household: Household) -> None:
    """Kept with the row it folds, however the row is written (service, demo, import)."""
    household.search_key = search_key(household.name, household.address, household.postcode)


@event.listens_for(Pupil, "before_insert")
@event.listens_for(Pupil, "before_update")
def _pupil_search_key(_mapper: Any, _conn: Any, pupil: Pupil) -> None:
    pupil.search_key = search_key(pupil.name)


class KnownRisk(Base):
    """A risk known at a household, kept with its history (ended, never deleted)."""

    __tablename__ = "known_risk"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))  # RiskKind
    description: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime]
    recorded_by: Mapped[str] = mapped_column(String(120), default="")
    ended_at: Mapped[datetime | None]

    household: Mapped[Household] = relationship(back_populates="risks")


class RiskAssessment(Base):
    """A home visit risk assessment. Reused for later visits to the same household (Thomas More)."""

    __tablename__ = "risk_assessment"

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visit.id", use_alter=True))
    based_on_id: Mapped[int | None] = mapped_column(ForeignKey("risk_assessment.id"))
    status: Mapped[str] = mapped_column(String(20), default="draft")  # draft | complete
    information: Mapped[dict[str, Any]] = mapped_column(default=dict)  # CPOMS/MIS/services
    known_risks: Mapped[dict[str, Any]] = mapped_column(default=dict)  # kind -> {present, note}
    when_not_to_visit: Mapped[dict[str, Any]] = mapped_column(default=dict)  # question -> bool
    checklist: Mapped[dict[str, Any]] = mapped_column(default=dict)  # question -> bool
    changes_note: Mapped[str] = mapped_column(Text, default="")
    overall_level: Mapped[str] = mapped_column(String(10), default="low")  # RiskLevel
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    block_reason: Mapped[str] = mapped_column(Text, default="")
    assessor_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    assessor_name: Mapped[str] = mapped_column(String(120), default="")
    assessed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]

    hazards: Mapped[list[RiskHazard]] = relationship(
        back_populates="assessment", order_by="RiskHazard.position", cascade="all, delete-orphan"
    )


class RiskHazard(Base):
    __tablename__ = "risk_hazard"

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(ForeignKey("risk_assessment.id"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    hazard: Mapped[str] = mapped_column(Text)
    people: Mapped[str] = mapped_column(Text, default="")
    severity: Mapped[int] = mapped_column(Integer, default=1)  # 1 minor .. 3 major
    likelihood: Mapped[int] = mapped_column(Integer, default=1)  # 1 remote .. 3 likely
    level: Mapped[str] = mapped_column(String(10), default="low")
    severity_text: Mapped[str] = mapped_column(Text, default="")
    controls: Mapped[str] = mapped_column(Text, default="")

    assessment: Mapped[RiskAssessment] = relationship(back_populates="hazards")


class LoneWorkingAssessment(Base):
    """The signed Lone Working Risk Assessment per staff member (St Hugh's form)."""

    __tablename__ = "lone_working_assessment"

    id: Mapped[int] = mapped_column(primary_key=True)
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    mobile: Mapped[str] = mapped_column(String(32))
    # AES-GCM ciphertext (hvdesk/safe_word_cipher.py); shown only on an audited reveal
    safe_word: Mapped[str] = mapped_column(EncryptedText)
    # The 4-digit PIN that goes with a text from the field (argon2 hash, like a password): a spoofed
    # sender number alone cannot check anyone in. "" when none was set.
    pin_hash: Mapped[str] = mapped_column(String(255), default="")
    signed_on: Mapped[date]
    hazards: Mapped[list[Any]] = mapped_column(default=list)
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(120), default="")

    staff: Mapped[Staff] = relationship(back_populates="lone_working")


class Visit(Base):
    __tablename__ = "visit"
    __table_args__ = (
        Index("ix_visit_status", "status"),
        # Time order with every column the Visits screen filters on: a page of any filter is
        # found by walking this index alone (no table rows read), and calendar ranges use it too.
        Index(
            "ix_visit_list",
            "start",
            "status",
            "purpose",
            "household_id",
            "lead_staff_id",
            "companion_staff_id",
            "purpose_other",
        ),
        # one status, newest first; and 'other' purposes found without a scan
        Index("ix_visit_status_start", "status", "start"),
        Index("ix_visit_purpose", "purpose"),
        # each household's (each lead's) visits in time order: with the indexes above, a page of
        # the list sorted by household, address or staff is read in order, not sorted
        Index("ix_visit_household_start", "household_id", "start"),
        Index("ix_visit_lead_start", "lead_staff_id", "start"),
        # the filter's words: each distinct 'other' description found by seeks (a few, however
        # many visits), and a companion's visits as a lead's are, so a rare match is read by index
        Index("ix_visit_purpose_other", "purpose", "purpose_other"),
        Index("ix_visit_companion_start", "companion_staff_id", "start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    pupil_id: Mapped[int | None] = mapped_column(ForeignKey("pupil.id"))
    purpose: Mapped[str] = mapped_column(String(40))  # Purpose
    purpose_other: Mapped[str] = mapped_column(Text, default="")
    announced: Mapped[bool] = mapped_column(Boolean, default=True)
    planned_departure: Mapped[datetime]
    start: Mapped[datetime]
    end: Mapped[datetime]
    expected_return: Mapped[datetime]
    lead_staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id"), index=True)
    companion_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    vehicle_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    office_contact: Mapped[str] = mapped_column(String(120), default="")
    status: Mapped[str] = mapped_column(String(20), default=VisitStatus.DRAFT.value)
    risk_assessment_id: Mapped[int | None] = mapped_column(ForeignKey("risk_assessment.id"))
    pre_visit_notes: Mapped[str] = mapped_column(Text, default="")
    lone_visit_reason: Mapped[str] = mapped_column(Text, default="")
    out_of_hours_reason: Mapped[str] = mapped_column(Text, default="")
    responsible_contact: Mapped[str] = mapped_column(String(200), default="")  # free text (older)
    # The out-of-hours responsible contact as a person with a mobile: told when staff leave, and
    # the first to get every alarm of the visit (Harborne).
    responsible_contact_id: Mapped[int | None] = mapped_column(ForeignKey("escalation_contact.id"))
    on_way_to_from_work: Mapped[bool] = mapped_column(Boolean, default=False)
    pupil_transported: Mapped[bool] = mapped_column(Boolean, default=False)
    # A companion from an outside agency instead of a second member of staff (Thomas More).
    companion_agency_name: Mapped[str] = mapped_column(String(120), default="")
    companion_agency_org: Mapped[str] = mapped_column(String(120), default="")
    companion_agency_phone: Mapped[str] = mapped_column(String(32), default="")
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    approved_at: Mapped[datetime | None]
    approval_note: Mapped[str] = mapped_column(Text, default="")
    cancel_reason: Mapped[str] = mapped_column(String(30), default="")  # CancelReason
    cancel_note: Mapped[str] = mapped_column(Text, default="")
    cancelled_at: Mapped[datetime | None]
    departed_at: Mapped[datetime | None]
    arrived_at: Mapped[datetime | None]
    left_at: Mapped[datetime | None]
    returned_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    row_version: Mapped[int] = mapped_column(Integer, default=1)  # optimistic lock between seats

    __mapper_args__ = {"version_id_col": row_version}

    household: Mapped[Household] = relationship(foreign_keys=[household_id])
    pupil: Mapped[Pupil | None] = relationship(foreign_keys=[pupil_id])
    lead_staff: Mapped[Staff] = relationship(foreign_keys=[lead_staff_id])
    companion_staff: Mapped[Staff | None] = relationship(foreign_keys=[companion_staff_id])
    vehicle_staff: Mapped[Staff | None] = relationship(foreign_keys=[vehicle_staff_id])
    risk_assessment: Mapped[RiskAssessment | None] = relationship(foreign_keys=[risk_assessment_id])
    responsible_person: Mapped[EscalationContact | None] = relationship(
        foreign_keys=[responsible_contact_id]
    )

    @property
    def staff(self) -> list[Staff]:
        return [s for s in (self.lead_staff, self.companion_staff) if s is not None]

    @property
    def staff_names(self) -> str:
        return " + ".join(s.name for s in self.staff)

    @property
    def purpose_label(self) -> str:
        if self.purpose == Purpose.OTHER and self.purpose_other:
            return self.purpose_other
        return PURPOSE_LABELS.get(Purpose(self.purpose), self.purpose)


class Event(Base):
    """Append-only audit trail: who, when, what. Never updated, never deleted."""

    __tablename__ = "event"
    __table_args__ = (Index("ix_event_visit_at", "visit_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(40), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    user_name: Mapped[str] = mapped_column(String(120), default="")
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visit.id"))
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"))
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"))
    alarm_id: Mapped[int | None] = mapped_column(ForeignKey("alarm.id", use_alter=True))
    note: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # the chain (hvdesk/audit.py): the previous event's hash and this event's own
    prev_hash: Mapped[str] = mapped_column(String(64), default="")
    hash: Mapped[str] = mapped_column(String(64), default="")


class AuditChain(Base):
    """The chain's tail in one row: writers lock it, so two seats never fork the chain."""

    __tablename__ = "audit_chain"

    id: Mapped[int] = mapped_column(primary_key=True)
    last_hash: Mapped[str] = mapped_column(String(64))
    events: Mapped[int] = mapped_column(Integer, default=0)


class Alarm(Base):
    """A lapse raised once per deadline (unique visit + key), owned, walked up the ladder, resolved.

    A staff duress alarm has no visit: the person texted their safe word with no visit out (or
    with two out), so it names them (`staff_id`) and is raised once per text (unique staff + key).
    """

    __tablename__ = "alarm"
    __table_args__ = (
        UniqueConstraint("visit_id", "deadline_key", name="uq_alarm_visit_deadline"),
        UniqueConstraint("staff_id", "deadline_key", name="uq_alarm_staff_deadline"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visit.id"), index=True)
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    deadline_key: Mapped[str] = mapped_column(String(80))
    level: Mapped[str] = mapped_column(String(10))  # AlarmLevel
    reason: Mapped[str] = mapped_column(Text)  # "Return overdue", "Check-in overdue", "Duress"
    due_at: Mapped[datetime | None]
    raised_at: Mapped[datetime]
    drill: Mapped[bool] = mapped_column(Boolean, default=False)
    acknowledged_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    acknowledged_by: Mapped[str] = mapped_column(String(120), default="")
    acknowledged_at: Mapped[datetime | None]
    step: Mapped[int] = mapped_column(Integer, default=1)  # ladder step 1..4
    step_started_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str] = mapped_column(String(120), default="")
    resolution: Mapped[str] = mapped_column(String(20), default="")  # AlarmResolution
    resolution_note: Mapped[str] = mapped_column(Text, default="")
    police_reference: Mapped[str] = mapped_column(String(60), default="")


class Outcome(Base):
    __tablename__ = "outcome"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visit.id"), unique=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    agreements: Mapped[str] = mapped_column(Text, default="")
    follow_up_date: Mapped[date | None] = mapped_column(Date)
    safeguarding_concern: Mapped[bool] = mapped_column(Boolean, default=False)
    dsl_informed: Mapped[bool] = mapped_column(Boolean, default=False)
    referrals: Mapped[str] = mapped_column(Text, default="")
    social_worker_informed: Mapped[bool] = mapped_column(Boolean, default=False)
    social_worker_not_yet_reason: Mapped[str] = mapped_column(Text, default="")
    social_worker_informed_at: Mapped[datetime | None]
    letters_sent: Mapped[str] = mapped_column(Text, default="")
    nobody_home: Mapped[bool] = mapped_column(Boolean, default=False)
    slip_left: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_by: Mapped[str] = mapped_column(String(120), default="")
    recorded_at: Mapped[datetime]


class Incident(Base):
    """Recorded at once with whatever is known, completed later; the head acknowledges it."""

    __tablename__ = "incident"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visit.id"))
    what: Mapped[str] = mapped_column(Text)
    occurred_at: Mapped[datetime]
    reported_by: Mapped[str] = mapped_column(String(120))
    follow_up: Mapped[str] = mapped_column(Text, default="")
    recorded_at: Mapped[datetime]
    alarm_id: Mapped[int | None] = mapped_column(ForeignKey("alarm.id"))
    household_id: Mapped[int | None] = mapped_column(ForeignKey("household.id"), index=True)
    place: Mapped[str] = mapped_column(Text, default="")
    people: Mapped[str] = mapped_column(Text, default="")
    said_and_done: Mapped[str] = mapped_column(Text, default="")
    injuries: Mapped[str] = mapped_column(Text, default="")
    police_reference: Mapped[str] = mapped_column(String(60), default="")
    witnesses: Mapped[str] = mapped_column(Text, default="")
    acknowledged_by: Mapped[str] = mapped_column(String(120), default="")
    acknowledged_at: Mapped[datetime | None]
    updated_at: Mapped[datetime | None]


class AttendanceMark(Base):
    """One register mark from the MIS: a pupil, a school day, AM or PM, and its DfE code."""

    __tablename__ = "attendance_mark"
    __table_args__ = (
        UniqueConstraint("pupil_id", "day", "session", name="uq_attendance_mark_session"),
    )

    # One index only, the unique (pupil, day, session): a year of a large school is half a million
    # rows, and every extra index slows each import; the reads scan by date anyway.
    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupil.id"))
    day: Mapped[date] = mapped_column(Date)
    session: Mapped[str] = mapped_column(String(2))  # AM | PM
    code: Mapped[str] = mapped_column(String(2))  # when it was imported: the audit Event


class AttendanceDecision(Base):
    """What the school did with a suggested attendance visit: booked it, or dismissed it and why.

    Suggestions themselves are worked out from the marks each time; only the decision is stored,
    keyed by pupil, trigger and the first day of the absence (for low attendance, the day it was
    flagged: it holds until attendance recovers), so it sticks.
    """

    __tablename__ = "attendance_decision"
    __table_args__ = (
        UniqueConstraint("pupil_id", "trigger", "key", name="uq_attendance_decision_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupil.id"), index=True)
    trigger: Mapped[str] = mapped_column(String(20))  # absence_run | low_attendance
    key: Mapped[str] = mapped_column(String(40))
    action: Mapped[str] = mapped_column(String(20))  # booked | dismissed
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visit.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    decided_by: Mapped[str] = mapped_column(String(120), default="")
    decided_at: Mapped[datetime]


class AttendanceNote(Base):
    """A note on a pupil's attendance record, e.g. an agreement with the parents was broken
    (St Hugh's, Harrogate)."""

    __tablename__ = "attendance_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupil.id"), index=True)
    agreement_id: Mapped[int | None] = mapped_column(ForeignKey("agreement.id"))
    note: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime]


class Agreement(Base):
    """Something agreed with the parents at a visit, by a date: kept, broken or still open."""

    __tablename__ = "agreement"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visit.id"), index=True)
    household_id: Mapped[int] = mapped_column(ForeignKey("household.id"), index=True)
    pupil_id: Mapped[int | None] = mapped_column(ForeignKey("pupil.id"))
    what: Mapped[str] = mapped_column(Text)
    due: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default="open")  # open | kept | broken | withdrawn
    closed_at: Mapped[datetime | None]
    closed_by: Mapped[str] = mapped_column(String(120), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]


class Setting(Base):
    """School-wide settings shared by every seat (policy, school name, logo)."""

    __tablename__ = "setting"

    key: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime]


# --- messages that leave the building ------------------------------------------------------------


class Channel(StrEnum):
    SMS = "sms"
    EMAIL = "email"


class OutboxStatus(StrEnum):
    QUEUED = "queued"  # waiting for its first or next attempt
    SENDING = "sending"  # claimed by one sender; the attempt is under way
    SENT = "sent"  # accepted by the gateway or SMTP relay (its reference kept)
    DELIVERED = "delivered"  # the gateway reported the handset has it
    FAILED = "failed"  # given up (recipient refused, or retried too long)


class EscalationContact(Base):
    """A person an alarm goes to when nobody at the office takes it (headteacher, DSL, office
    mobile...), in order; or an out-of-hours responsible contact (a person at home), who need not
    be on the ladder."""

    __tablename__ = "escalation_contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    role_label: Mapped[str] = mapped_column(String(80), default="")  # "Headteacher", "DSL"
    mobile: Mapped[str] = mapped_column(String(32), default="")  # E.164
    email: Mapped[str] = mapped_column(String(200), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)  # ladder order, 1 first
    on_ladder: Mapped[bool] = mapped_column(Boolean, default=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    # Not stored: set by NotificationService.contacts() from the texts received (STOP / START).
    texts_opted_out = False

    @property
    def mobile_note(self) -> str:
        """Beside the mobile wherever contacts are listed: alarms go by email only."""
        return "opted out of texts (STOP)" if self.texts_opted_out else ""


class OutboxMessage(Base):
    """One message to one recipient on one channel, written in the transaction of its cause.

    The idempotency key is stable and unique: the same cause never queues twice, and the gateway
    gets the same key on a retry. A sender claims a row (queued -> sending, attempts + 1) before it
    talks to the gateway and keeps the gateway's reference, so a restart never sends it again.
    """

    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_message_status_next", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))  # Channel
    recipient: Mapped[str] = mapped_column(String(200))  # E.164 mobile or email address
    recipient_name: Mapped[str] = mapped_column(String(120), default="")
    subject: Mapped[str] = mapped_column(String(200), default="")
    body: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(30))  # alarm | handled | departed | test
    idempotency_key: Mapped[str] = mapped_column(String(160), unique=True)
    alarm_id: Mapped[int | None] = mapped_column(ForeignKey("alarm.id"), index=True)
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visit.id"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("escalation_contact.id"))
    status: Mapped[str] = mapped_column(String(12), default=OutboxStatus.QUEUED.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime]
    last_error: Mapped[str] = mapped_column(Text, default="")
    provider_ref: Mapped[str] = mapped_column(String(120), default="")
    claimed_by: Mapped[str] = mapped_column(String(120), default="")
    queued_at: Mapped[datetime]
    sending_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    delivered_at: Mapped[datetime | None]
    failed_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class ChannelHealth(Base):
    """Whether a channel works, as every seat shows it: 'SMS failing since 10:02: 401 from gateway'."""

    __tablename__ = "channel_health"

    channel: Mapped[str] = mapped_column(String(10), primary_key=True)
    failing_since: Mapped[datetime | None]
    last_error: Mapped[str] = mapped_column(Text, default="")
    last_ok_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class MonitorLease(Base):
    """Who monitors: one row per lease name, held until `lease_until` and renewed by heartbeats.

    Taking the lease is a compare-and-set on this row, so two monitors (or a monitor and windows)
    never both send; another takes over once the holder stops beating.
    """

    __tablename__ = "monitor_lease"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200), default="")  # host:pid:token
    holder_host: Mapped[str] = mapped_column(String(120), default="")
    holder_pid: Mapped[int] = mapped_column(Integer, default=0)
    holder_kind: Mapped[str] = mapped_column(String(20), default="")  # monitor | window
    acquired_at: Mapped[datetime | None]
    beat_at: Mapped[datetime | None]
    lease_until: Mapped[datetime | None]


# --- texts from the field --------------------------------------------------------------------------


class InboundText(Base):
    """One text received by the school's number, recorded once (unique gateway reference).

    The body is kept with PINs and safe words hidden; what it did is `outcome` (the wrong-PIN
    streak is derived from it), and the answer sent back is `reply` (queued in the outbox in the
    same transaction).
    """

    __tablename__ = "inbound_text"
    __table_args__ = (Index("ix_inbound_text_sender_id", "sender", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_ref: Mapped[str] = mapped_column(String(120), unique=True)
    sender: Mapped[str] = mapped_column(String(32))  # E.164 as the gateway gave it
    body_shown: Mapped[str] = mapped_column(Text, default="")  # PINs and safe words hidden
    sent_at: Mapped[datetime]  # when the gateway received it: the time the text speaks for
    received_at: Mapped[datetime]  # when hvdesk fetched it
    staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id"), index=True)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("escalation_contact.id"))
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("visit.id"), index=True)
    alarm_id: Mapped[int | None] = mapped_column(ForeignKey("alarm.id"))
    command: Mapped[str] = mapped_column(String(12), default="")  # texts.Command
    outcome: Mapped[str] = mapped_column(String(20), default="")  # text_actions.Outcome
    reply: Mapped[str] = mapped_column(Text, default="")


class InboundCursor(Base):
    """Where polling the gateway's received texts got to: a restart neither drops nor repeats."""

    __tablename__ = "inbound_cursor"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    cursor: Mapped[str] = mapped_column(Text, default="")
    polled_at: Mapped[datetime | None]
    updated_at: Mapped[datetime]
