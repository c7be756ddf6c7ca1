"""Households and pupils, with known risks kept as history. A new risk flags the assessment for review."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from hvdesk.errors import Collector, FieldError, NotFound, ValidationError
from hvdesk.models import Household, KnownRisk, Pupil, RiskKind, Role
from hvdesk.rules import validation as v
from hvdesk.rules.known_risks import RISK_LABELS, current_risks, risk_summary  # noqa: F401
from hvdesk.services.base import Actor, Service
from hvdesk.services.household_list import HouseholdFilter, household_statement


@dataclass
class PupilInput:
    name: str = ""
    year_group: str = ""
    id: int | None = None
    upn: str = ""  # the MIS identifiers attendance files name pupils by
    admission_number: str = ""
    safeguarding_flag: bool = False

    def identity(self) -> dict[str, object]:
        return {
            "upn": self.upn or None,
            "admission_number": self.admission_number or None,
            "safeguarding_flag": self.safeguarding_flag,
        }


@dataclass
class HouseholdInput:
    name: str = ""
    address: str = ""
    postcode: str = ""
    phone: str = ""
    parents_carers: str = ""
    social_worker_name: str = ""
    social_worker_phone: str = ""
    notes: str = ""
    pupils: list[PupilInput] = field(default_factory=list)

    @classmethod
    def from_household(cls, h: Household) -> HouseholdInput:
        return cls(
            name=h.name,
            address=h.address,
            postcode=h.postcode,
            phone=v.display_phone(h.phone),
            parents_carers=h.parents_carers,
            social_worker_name=h.social_worker_name,
            social_worker_phone=v.display_phone(h.social_worker_phone),
            notes=h.notes,
            pupils=[
                PupilInput(
                    p.name,
                    p.year_group,
                    p.id,
                    p.upn or "",
                    p.admission_number or "",
                    p.safeguarding_flag,
                )
                for p in h.pupils
                if p.active
            ],
        )


def clean_household(data: HouseholdInput) -> tuple[dict[str, object], list[PupilInput]]:
    errors = Collector()
    cleaned: dict[str, object] = {
        "name": errors.check("Household name", lambda x, f: v.required(x, f, 120), data.name),
        "address": errors.check("Address", lambda x, f: v.required(x, f, 500), data.address),
        "postcode": errors.check("Postcode", v.uk_postcode, data.postcode),
        "phone": errors.check("Home phone", v.uk_phone, data.phone),
        "parents_carers": errors.check(
            "Parents/carers", lambda x, f: v.optional_text(x, f, 500), data.parents_carers
        ),
        "social_worker_name": errors.check(
            "Social worker", lambda x, f: v.optional_text(x, f, 120), data.social_worker_name
        ),
        "social_worker_phone": errors.check(
            "Social worker phone", v.uk_phone, data.social_worker_phone
        ),
        "notes": errors.check("Notes", v.optional_text, data.notes),
    }
    if (data.social_worker_phone or "").strip() and not (data.social_worker_name or "").strip():
        errors.add("Social worker", "enter the social worker's name for the phone number given")
    pupils = []
    for i, pupil in enumerate(data.pupils, start=1):
        if not pupil.name.strip() and not pupil.year_group.strip():
            continue
        name = errors.check(f"Pupil {i} name", v.required, pupil.name)
        upn = pupil.upn.strip().upper()
        if upn and (len(upn) != 13 or not upn[1:12].isdigit()):
            errors.add(f"Pupil {i} UPN", "is 13 characters: a letter, 11 digits, a check character")
        adno = pupil.admission_number.strip()[:20]
        pupils.append(
            PupilInput(
                (name or "").strip(),
                pupil.year_group.strip()[:20],
                pupil.id,
                upn,
                adno,
                pupil.safeguarding_flag,
            )
        )
    errors.raise_if_any()
    return cleaned, pupils


def _check_unique_ids(session: Session, pupils: list[PupilInput]) -> None:
    """A UPN or admission number belongs to one pupil: say whose it is, never save a clash."""
    errors = Collector()
    for label, key in (("UPN", "upn"), ("admission number", "admission_number")):
        values = [getattr(p, key) for p in pupils if getattr(p, key)]
        if len(values) != len(set(values)):
            errors.add(f"Pupil {label}", f"the same {label} is given to two pupils")
        for p in pupils:
            value = getattr(p, key)
            if not value:
                continue
            other = session.scalar(select(Pupil).where(getattr(Pupil, key) == value))
            if other is not None and other.id != p.id:
                errors.add(f"Pupil {label}", f"{value} is already {other.name}'s {label}")
    errors.raise_if_any()


def _load(session: Session, household_id: int) -> Household:
    stmt = (
        select(Household)
        .where(Household.id == household_id)
        .options(selectinload(Household.pupils), selectinload(Household.risks))
    )
    household: Household | None = session.scalars(stmt).first()
    if household is None:
        raise NotFound(f"No household with id {household_id}")
    return household


class HouseholdService(Service):
    def list(self, *, include_inactive: bool = False, search: str = "") -> list[Household]:
        """Every matching household, whole (a picker's list; the screen pages: household_list)."""
        flt = HouseholdFilter(search=search, include_inactive=include_inactive)
        stmt = household_statement(flt).options(
            selectinload(Household.pupils), selectinload(Household.risks)
        )
        with self.db.read() as session:
            return list(session.scalars(stmt))

    def get(self, household_id: int) -> Household:
        with self.db.read() as session:
            return _load(session, household_id)

    def create(self, actor: Actor, data: HouseholdInput) -> Household:
        actor.require(Role.OFFICE, Role.APPROVER, Role.ADMIN, action="add households")
        cleaned, pupils = clean_household(data)
        with self.db.transaction() as session:
            household = Household(**cleaned, active=True, created_at=self.clock.now())
            session.add(household)
            session.flush()
            _check_unique_ids(session, pupils)
            for p in pupils:
                session.add(
                    Pupil(
                        household_id=household.id,
                        name=p.name,
                        year_group=p.year_group,
                        **p.identity(),
                    )
                )
            self.audit(
                session, actor, "household_created", household.name, household_id=household.id
            )
        return self.get(household.id)

    def update(self, actor: Actor, household_id: int, data: HouseholdInput) -> Household:
        actor.require(Role.OFFICE, Role.APPROVER, Role.ADMIN, action="edit households")
        cleaned, pupils = clean_household(data)
        with self.db.transaction() as session:
            household = _load(session, household_id)
            changed = {}
            for key, value in cleaned.items():
                old = getattr(household, key)
                if old != value:
                    changed[key] = [str(old), str(value)]
                    setattr(household, key, value)
            kept = {p.id for p in pupils if p.id}
            for existing in household.pupils:
                if existing.active and existing.id not in kept:
                    existing.active = False  # pupils leave; their visits keep their names
                    changed[f"pupil {existing.id}"] = [existing.name, "removed"]
            by_id = {p.id: p for p in household.pupils}
            _check_unique_ids(session, pupils)
            for p in pupils:
                if p.id and p.id in by_id:
                    row = by_id[p.id]
                    row.name, row.year_group = p.name, p.year_group
                    for key, value in p.identity().items():
                        if getattr(row, key) != value:
                            changed[f"pupil {p.id} {key}"] = [str(getattr(row, key)), str(value)]
                            setattr(row, key, value)
                else:
                    session.add(
                        Pupil(
                            household_id=household.id,
                            name=p.name,
                            year_group=p.year_group,
                            **p.identity(),
                        )
                    )
                    changed[f"pupil {p.name}"] = ["", "added"]
            self.audit(
                session,
                actor,
                "household_edited",
                household.name,
                household_id=household.id,
                data=changed,
            )
        return self.get(household_id)

    def set_active(self, actor: Actor, household_id: int, active: bool) -> Household:
        actor.require(Role.OFFICE, Role.APPROVER, Role.ADMIN, action="deactivate households")
        with self.db.transaction() as session:
            household = _load(session, household_id)
            household.active = active
            kind = "household_reactivated" if active else "household_deactivated"
            self.audit(session, actor, kind, household.name, household_id=household.id)
        return self.get(household_id)

    def add_risk(self, actor: Actor, household_id: int, kind: str, description: str) -> KnownRisk:
        """Record a newly known risk; the household's assessment now needs review."""
        try:
            kind = RiskKind(kind).value
        except ValueError:
            raise ValidationError(
                [FieldError("Risk kind", f"choose one of: {', '.join(RISK_LABELS.values())}")]
            ) from None
        errors = Collector()
        text = errors.check("Risk description", lambda x, f: v.required(x, f, 1000), description)
        errors.raise_if_any()
        with self.db.transaction() as session:
            household = _load(session, household_id)
            risk = KnownRisk(
                household_id=household.id,
                kind=kind,
                description=text,
                recorded_at=self.clock.now(),
                recorded_by=actor.name,
            )
            session.add(risk)
            household.assessment_needs_review = True
            session.flush()
            self.audit(
                session,
                actor,
                "risk_added",
                f"{RISK_LABELS[RiskKind(kind)]}: {text}",
                household_id=household.id,
                data={"risk_id": risk.id},
            )
        return risk

    def end_risk(self, actor: Actor, risk_id: int, note: str = "") -> None:
        with self.db.transaction() as session:
            risk = session.get(KnownRisk, risk_id)
            if risk is None:
                raise NotFound(f"No known risk with id {risk_id}")
            risk.ended_at = self.clock.now()
            self.audit(
                session,
                actor,
                "risk_ended",
                note or risk.description,
                household_id=risk.household_id,
                data={"risk_id": risk.id},
            )

