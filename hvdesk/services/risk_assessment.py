"""Home visit risk assessments: start, save a draft, resume it, complete it and link it to the visit.

The wizard edits an AssessmentForm (hvdesk.rules.risk); this service is the only thing that turns it
into rows. A household visited before starts from its last assessment when the policy reuses the
first visit's assessment (Thomas More); new known risks since then are marked and the assessor must
say what has changed. Completing an assessment clears Household.assessment_needs_review, and an
approved visit whose assessment changes goes back to the approver.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from hvdesk.clock import fmt_date, fmt_datetime
from hvdesk.errors import Collector, NotFound, StateError
from hvdesk.events import EventKind
from hvdesk.models import (
    Household,
    RiskAssessment,
    RiskHazard,
    RiskKind,
    Role,
    Visit,
    VisitStatus,
)
from hvdesk.rules import validation as v
from hvdesk.rules.approval import AssessmentFacts
from hvdesk.rules.known_risks import current_risks, short_label
from hvdesk.rules.risk import (
    ASSESSED_RISKS,
    INFORMATION,
    LEVEL_LABELS,
    PERSONAL_SAFETY_CHECKLIST,
    WHEN_NOT_TO_VISIT,
    AssessmentForm,
    AssessmentSummary,
    HazardRow,
    KnownRiskAnswer,
    summarise,
)
from hvdesk.services.base import Actor, Service
from hvdesk.services.settings import SettingsService

ASSESSORS = (Role.OFFICE, Role.APPROVER, Role.VISITOR)
# A risk assessment is made before the visit; afterwards it is a record and is only viewed.
EDITABLE = {
    VisitStatus.DRAFT.value,
    VisitStatus.AWAITING_APPROVAL.value,
    VisitStatus.APPROVED.value,
    VisitStatus.REJECTED.value,
}
DRAFT, COMPLETE = "draft", "complete"

# Field names used in validation messages; the wizard maps them to its widgets.
F_ASSESSOR = "Assessor"
F_CHANGES = "What has changed"
F_HAZARDS = "Hazards"


def wntv_field(index: int) -> str:
    return f"When not to visit, question {index}"


def hazard_field(index: int, part: str = "") -> str:
    return f"Hazard {index}{' ' + part if part else ''}"


def risk_field(kind: str) -> str:
    return f"Known risk: {ASSESSED_RISKS[kind].split(':')[0]}"


@dataclass(frozen=True)
class CompletedAssessment:
    assessment_id: int
    summary: AssessmentSummary
    sent_back: bool  # the visit was approved and now needs approval again


def form_from_row(row: RiskAssessment) -> AssessmentForm:
    """Rebuild the wizard's form from a stored assessment (draft or complete)."""
    info = dict(row.information or {})
    form = AssessmentForm(
        household_id=row.household_id,
        visit_id=row.visit_id,
        assessment_id=row.id,
        based_on_id=row.based_on_id,
        information_notes=str(info.pop("notes", "")),
        other_risks=str((row.known_risks or {}).get("_other", "")),
        changes_note=row.changes_note,
        assessor_name=row.assessor_name,
    )
    for key in INFORMATION:
        form.information[key] = bool(info.get(key, False))
    for key, value in (row.known_risks or {}).items():
        if key in form.known_risks and isinstance(value, dict):
            form.known_risks[key] = KnownRiskAnswer(
                bool(value.get("present")), str(value.get("note", "")), bool(value.get("new"))
            )
    for key in WHEN_NOT_TO_VISIT:
        answer = (row.when_not_to_visit or {}).get(key)
        form.when_not_to_visit[key] = None if answer is None else bool(answer)
    for key in PERSONAL_SAFETY_CHECKLIST:
        form.checklist[key] = bool((row.checklist or {}).get(key, False))
    form.hazards = [
        HazardRow(h.hazard, h.people, h.severity, h.likelihood, h.severity_text, h.controls)
        for h in row.hazards
    ]
    return form


def summary_of(row: RiskAssessment) -> AssessmentSummary:
    return summarise(form_from_row(row))


def describe(row: RiskAssessment) -> str:
    """'assessed 12 Oct 2026 by Jasmin Patel: Low' for banners and lists."""
    when = fmt_date(row.assessed_at) if row.assessed_at else "not finished"
    level = LEVEL_LABELS.get(row.overall_level, row.overall_level)  # type: ignore[call-overload]
    return f"assessed {when} by {row.assessor_name or 'unknown'}: {level}"


def _write(row: RiskAssessment, form: AssessmentForm) -> None:
    row.information = {**{k: bool(form.information.get(k)) for k in INFORMATION}}
    row.information["notes"] = form.information_notes.strip()
    known = {
        k: {"present": a.present, "note": a.note.strip(), "new": a.new}
        for k, a in form.known_risks.items()
    }
    row.known_risks = {**known, "_other": form.other_risks.strip()}
    row.when_not_to_visit = {k: form.when_not_to_visit.get(k) for k in WHEN_NOT_TO_VISIT}
    row.checklist = {k: bool(form.checklist.get(k)) for k in PERSONAL_SAFETY_CHECKLIST}
    row.changes_note = form.changes_note.strip()
    row.assessor_name = form.assessor_name.strip()
    row.based_on_id = form.based_on_id
    row.hazards.clear()
    for pos, hz in enumerate(form.hazards):
        row.hazards.append(
            RiskHazard(
                position=pos,
                hazard=hz.hazard.strip(),
                people=hz.people.strip(),
                severity=hz.severity,
                likelihood=hz.likelihood,
                level=hz.level.value,
                severity_text=hz.severity_text.strip(),
                controls=hz.controls.strip(),
            )
        )


def validate_for_completion(form: AssessmentForm) -> None:
    """Every problem at once, each naming the field and the fix. Nothing is saved if any."""
    errors = Collector()
    errors.check(F_ASSESSOR, lambda x, f: v.required(x, f, 120), form.assessor_name)
    if form.is_review and not form.changes_note.strip():
        errors.add(
            F_CHANGES,
            "say what has changed since the last assessment, or write 'Nothing has changed'",
        )
    for key, label in ASSESSED_RISKS.items():
        answer = form.known_risks.get(key)
        if answer and answer.present and not answer.note.strip():
            errors.add(
                risk_field(key),
                f"say what is known about this risk ({label.split(':')[0].lower()}): who, "
                "what and when",
            )
    for i, (key, question) in enumerate(WHEN_NOT_TO_VISIT.items(), start=1):
        if form.when_not_to_visit.get(key) is None:
            errors.add(wntv_field(i), f"answer yes or no: {question}")
    if not [h for h in form.hazards if h.hazard.strip()]:
        errors.add(F_HAZARDS, "add at least one hazard (the five common ones are a good start)")
    for i, hz in enumerate(form.hazards, start=1):
        if not hz.hazard.strip():
            errors.add(hazard_field(i), "describe the hazard, or remove the empty row")
            continue
        if not hz.valid:
            errors.add(hazard_field(i, "rating"), "choose a severity and a likelihood from 1 to 3")
        if not hz.controls.strip():
            errors.add(
                hazard_field(i, "controls"),
                f"say how the risk from '{hz.hazard.strip()[:40]}' is reduced "
                "(e.g. 2 person visit, take a mobile phone)",
            )
    for name, value in (
        ("Information notes", form.information_notes),
        ("Other risks", form.other_risks),
        (F_CHANGES, form.changes_note),
    ):
        errors.check(name, v.optional_text, value)
    errors.raise_if_any()


def assessment_facts(session: Session, visit: Visit) -> AssessmentFacts:
    """What approval needs to know about a visit's assessment (loaded in the caller's session)."""
    ra = visit.risk_assessment
    household = visit.household
    if ra is None or ra.status != COMPLETE:
        has_draft = session.scalar(
            select(RiskAssessment.id).where(
                RiskAssessment.visit_id == visit.id, RiskAssessment.status == DRAFT
            )
        )
        return AssessmentFacts(status=DRAFT if has_draft else "none")
    new = [
        f"{short_label(RiskKind(r.kind))}: {r.description} "
        f"(recorded {fmt_date(r.recorded_at)})"
        for r in current_risks(household)
        if ra.assessed_at is not None and r.recorded_at > ra.assessed_at
    ]
    return AssessmentFacts(
        status=COMPLETE,
        summary=summary_of(ra),
        assessed_at=ra.assessed_at,
        assessor_name=ra.assessor_name,
        new_risks=new,
        needs_review=household.assessment_needs_review,
        information={k: bool(val) for k, val in (ra.information or {}).items() if k != "notes"},
    )


class RiskAssessmentService(Service):
    # --- reading ---------------------------------------------------------------------------
    def get(self, assessment_id: int) -> RiskAssessment:
        with self.db.read() as session:
            row = session.scalars(
                select(RiskAssessment)
                .where(RiskAssessment.id == assessment_id)
                .options(selectinload(RiskAssessment.hazards))
            ).first()
            if row is None:
                raise NotFound(f"No risk assessment with id {assessment_id}")
            return row

    def latest_complete(self, household_id: int) -> RiskAssessment | None:
        with self.db.read() as session:
            return self._latest_complete(session, household_id)

    def for_visit(self, visit_id: int) -> RiskAssessment | None:
        """The visit's completed assessment, or its draft, or None."""
        with self.db.read() as session:
            visit = session.get(Visit, visit_id)
            if visit is None:
                raise NotFound(f"No visit with id {visit_id}")
            if visit.risk_assessment_id:
                return self.get(visit.risk_assessment_id)
            draft_id = session.scalar(
                select(RiskAssessment.id)
                .where(RiskAssessment.visit_id == visit_id, RiskAssessment.status == DRAFT)
                .order_by(RiskAssessment.id.desc())
            )
        return self.get(draft_id) if draft_id else None

    @staticmethod
    def _latest_complete(session: Session, household_id: int) -> RiskAssessment | None:
        return session.scalars(
            select(RiskAssessment)
            .where(RiskAssessment.household_id == household_id, RiskAssessment.status == COMPLETE)
            .options(selectinload(RiskAssessment.hazards))
            .order_by(RiskAssessment.assessed_at.desc(), RiskAssessment.id.desc())
        ).first()

    # --- the wizard's life cycle -----------------------------------------------------------
    def start(self, actor: Actor, visit_id: int) -> AssessmentForm:
        """The form the wizard opens with: this visit's draft if there is one; else the visit's
        own assessment, or the household's last one (policy), to review; else a fresh form."""
        actor.require(*ASSESSORS, action="make risk assessments")
        policy = SettingsService(self.db, self.clock).policy()
        with self.db.read() as session:
            visit = self._visit(session, visit_id)
            if visit.status not in EDITABLE:
                raise StateError(
                    f"Visit {visit.id} is {visit.status.replace('_', ' ')}; its risk assessment "
                    "can be viewed but no longer changed."
                )
            household = visit.household
            draft = session.scalars(
                select(RiskAssessment)
                .where(RiskAssessment.visit_id == visit.id, RiskAssessment.status == DRAFT)
                .options(selectinload(RiskAssessment.hazards))
                .order_by(RiskAssessment.id.desc())
            ).first()
            if draft is not None:
                form = form_from_row(draft)
                if form.based_on_id:
                    base = session.get(RiskAssessment, form.based_on_id)
                    form.based_on_text = describe(base) if base else ""
            else:
                base = None
                if visit.risk_assessment_id:
                    base = session.get(RiskAssessment, visit.risk_assessment_id)
                elif policy.reuse_first_assessment:
                    base = self._latest_complete(session, household.id)
                form = self._review_form(base, household) if base else self._fresh(household)
                form.assessor_name = actor.name
            form.visit_id = visit.id
            form.household_name = household.name
            form.visit_text = (
                f"{fmt_datetime(visit.start)}, {visit.purpose_label}, {visit.staff_names}"
            )
        return form

    def _fresh(self, household: Household) -> AssessmentForm:
        form = AssessmentForm(household_id=household.id)
        self._apply_household_risks(form, household, since=None)
        form.information["social_worker"] = bool(household.social_worker_name)
        return form

    def _review_form(self, base: RiskAssessment, household: Household) -> AssessmentForm:
        """Start from the last assessment: same facts, checklist to go through again for this
        visit, every current household risk ticked and those recorded since marked new."""
        form = form_from_row(base)
        form.assessment_id = None
        form.based_on_id = base.id
        form.based_on_text = describe(base)
        form.changes_note = ""
        form.checklist = dict.fromkeys(PERSONAL_SAFETY_CHECKLIST, False)
        for answer in form.known_risks.values():
            answer.new = False
        self._apply_household_risks(form, household, since=base.assessed_at)
        if household.social_worker_name:
            form.information["social_worker"] = True
        return form

    @staticmethod
    def _apply_household_risks(
        form: AssessmentForm, household: Household, since: datetime | None
    ) -> None:
        """Tick every current known risk of the household (a risk on record is never dropped,
        even if an earlier assessment left it out); those recorded after `since` are marked new."""
        extra: list[str] = []
        for risk in current_risks(household):
            is_new = since is not None and risk.recorded_at > since
            if risk.kind in form.known_risks:
                answer = form.known_risks[risk.kind]
                answer.present = True
                answer.new = answer.new or is_new
                if risk.description not in answer.note:
                    answer.note = "; ".join(p for p in (answer.note, risk.description) if p)
                continue
            if risk.kind == RiskKind.OTHER_SERVICES.value:
                form.information["other_services"] = True
            if risk.description not in form.other_risks:
                label = short_label(RiskKind(risk.kind))
                extra.append(f"{'NEW: ' if is_new else ''}{label}: {risk.description}")
        if extra:
            form.other_risks = "\n".join([form.other_risks, *extra]).strip()

    def save_draft(self, actor: Actor, form: AssessmentForm) -> AssessmentForm:
        """Keep what has been entered so far (leaving the wizard half-way). Not validated beyond
        what would corrupt data."""
        actor.require(*ASSESSORS, action="make risk assessments")
        with self.db.transaction() as session:
            row = self._row_for(session, form)
            _write(row, form)
            session.flush()
            form.assessment_id = row.id
            self.audit(
                session,
                actor,
                EventKind.ASSESSMENT_DRAFT_SAVED,
                "Risk assessment saved as a draft",
                visit_id=form.visit_id,
                household_id=form.household_id,
                data={"assessment_id": row.id},
            )
        return form

    def complete(self, actor: Actor, form: AssessmentForm) -> CompletedAssessment:
        """Record the assessment, link it to the visit and clear the household's review flag."""
        actor.require(*ASSESSORS, action="make risk assessments")
        validate_for_completion(form)
        summary = summarise(form)
        now = self.clock.now()
        sent_back = False
        with self.db.transaction() as session:
            row = self._row_for(session, form)
            _write(row, form)
            row.status = COMPLETE
            row.overall_level = summary.level.value
            row.blocked = summary.blocked
            row.block_reason = summary.block_text
            row.assessor_user_id = actor.user_id
            row.assessed_at = now
            session.flush()
            household = session.get(Household, form.household_id)
            assert household is not None
            household.assessment_needs_review = False
            level = LEVEL_LABELS[summary.level]
            note = f"Overall risk: {level}" + (
                "; BLOCKED: " + " ".join(b.reason for b in summary.blockers)
                if summary.blocked
                else ""
            )
            if form.is_review:
                note += f". What has changed: {form.changes_note.strip()}"
            if form.visit_id is not None:
                visit = self._visit(session, form.visit_id)
                visit.risk_assessment_id = row.id
                visit.updated_at = now
                if visit.status == VisitStatus.APPROVED.value:
                    visit.status = VisitStatus.AWAITING_APPROVAL.value
                    visit.approved_by_id = None
                    visit.approved_at = None
                    sent_back = True
                    self.audit(
                        session,
                        actor,
                        EventKind.SENT_BACK,
                        "The risk assessment changed after approval; the approver must look again",
                        visit_id=visit.id,
                    )
            self.audit(
                session,
                actor,
                EventKind.ASSESSED,
                note,
                visit_id=form.visit_id,
                household_id=form.household_id,
                data={
                    "assessment_id": row.id,
                    "level": summary.level.value,
                    "blocked": summary.blocked,
                    "based_on_id": form.based_on_id,
                },
            )
            form.assessment_id = row.id
        return CompletedAssessment(row.id, summary, sent_back)

    # --- helpers ---------------------------------------------------------------------------
    @staticmethod
    def _visit(session: Session, visit_id: int) -> Visit:
        visit = session.scalars(
            select(Visit)
            .where(Visit.id == visit_id)
            .options(selectinload(Visit.household).selectinload(Household.risks))
        ).first()
        if visit is None:
            raise NotFound(f"No visit with id {visit_id}")
        return visit

    def _row_for(self, session: Session, form: AssessmentForm) -> RiskAssessment:
        """The draft being edited, or a new one. Completed assessments are records: never edited."""
        if form.visit_id is not None:
            visit = self._visit(session, form.visit_id)
            if visit.household_id != form.household_id:
                raise StateError("This assessment belongs to another household's visit.")
            if visit.status not in EDITABLE:
                raise StateError(
                    f"Visit {visit.id} is {visit.status.replace('_', ' ')}; a risk assessment "
                    "is made before the visit and can no longer be changed."
                )
        if form.assessment_id is None:
            row = RiskAssessment(
                household_id=form.household_id,
                visit_id=form.visit_id,
                status=DRAFT,
                created_at=self.clock.now(),
            )
            session.add(row)
            return row
        found = session.scalars(
            select(RiskAssessment)
            .where(RiskAssessment.id == form.assessment_id)
            .options(selectinload(RiskAssessment.hazards))
        ).first()
        if found is None:
            raise NotFound(f"No risk assessment with id {form.assessment_id}")
        row = found
        if row.status != DRAFT:
            raise StateError(
                "This risk assessment is already complete and is kept as a record; open the "
                "wizard again to review it (a new assessment based on it is made)."
            )
        return row
