"""School-wide settings (policy preset and values, school name, logo) stored in the database."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from hvdesk.errors import Collector, NotAllowed
from hvdesk.models import Role, Setting
from hvdesk.policy import NUMBER_FIELDS, OPTIONAL_NUMBER_FIELDS, PolicySettings, preset
from hvdesk.rules import validation as v
from hvdesk.rules.texts import secret_word_problem
from hvdesk.services.base import Actor, Service

POLICY_KEY = "policy"
SCHOOL_KEY = "school"


class SettingsService(Service):
    def policy(self) -> PolicySettings:
        with self.db.read() as session:
            row = session.get(Setting, POLICY_KEY)
            return PolicySettings.from_dict(row.value) if row else PolicySettings()

    def is_configured(self) -> bool:
        with self.db.read() as session:
            return session.get(Setting, POLICY_KEY) is not None

    def save_policy(self, actor: Actor, policy: PolicySettings) -> PolicySettings:
        """Office, approvers and admins may change the policy; a change that weakens a safety
        rule (see weakened()) needs an approver or admin, so the office cannot switch one off."""
        actor.require(Role.OFFICE, Role.APPROVER, Role.ADMIN, action="change the policy settings")
        validate_policy(policy)
        with self.db.transaction() as session:
            changed = self._write_policy(session, actor, policy)
            self._audit_policy(session, actor, policy, changed)
        return policy

    def save_settings(
        self, actor: Actor, policy: PolicySettings, school: dict[str, Any]
    ) -> PolicySettings:
        """The Settings screen's save: the policy and the school's details checked first, then
        written together (one transaction, one audit event): never half-saved."""
        actor.require(Role.OFFICE, Role.APPROVER, Role.ADMIN, action="change the policy settings")
        validate_policy(policy)
        values = self.validate_school(school)
        with self.db.transaction() as session:
            changed = self._write_policy(session, actor, policy)
            before = self._write_school(session, values)
            changed |= {
                f"school.{k}": [before.get(k), v] for k, v in values.items() if before.get(k) != v
            }
            self._audit_policy(session, actor, policy, changed)
        return policy

    def _write_policy(
        self, session: Session, actor: Actor, policy: PolicySettings
    ) -> dict[str, list[Any]]:
        """Write the policy in `session`; what changed, as {field: [before, after]}."""
        row = session.get(Setting, POLICY_KEY)
        before = row.value if row else {}
        if row is not None and actor.role not in (Role.APPROVER.value, Role.ADMIN.value):
            weaker = weakened(PolicySettings.from_dict(before), policy)
            if weaker:
                raise NotAllowed(
                    "Only an approver (e.g. the headteacher) or an admin can weaken a safety "
                    f"rule: {', '.join(weaker)}. Ask them to make this change."
                )
        after = policy.to_dict()
        if row is None:
            session.add(Setting(key=POLICY_KEY, value=after, updated_at=self.clock.now()))
        else:
            row.value = after
            row.updated_at = self.clock.now()
        return {k: [before.get(k), v] for k, v in after.items() if before.get(k) != v}

    def _audit_policy(
        self, session: Session, actor: Actor, policy: PolicySettings, changed: dict[str, Any]
    ) -> None:
        names = ", ".join(k for k in changed if k != "extra") or "no values"
        self.audit(
            session,
            actor,
            "policy_changed",
            f"preset {policy.preset}; changed {names}",
            data=changed,
        )

    def apply_preset(self, actor: Actor, name: str) -> PolicySettings:
        """Take a seed school's values; a school that already named itself keeps its name."""
        chosen = preset(name)
        if self.is_configured():
            chosen = chosen.with_changes(school_name=self.policy().school_name)
        return self.save_policy(actor, chosen)

    def school(self) -> dict[str, Any]:
        with self.db.read() as session:
            row = session.get(Setting, SCHOOL_KEY)
            return dict(row.value) if row else {"logo_path": "", "phone": "", "address": ""}

    def validate_school(self, values: dict[str, Any]) -> dict[str, str]:
        """School phone (UK), address and an existing PNG/JPG logo, cleaned; errors name the field."""
        errors = Collector()
        cleaned = {
            "phone": errors.check("School phone", v.uk_phone, values.get("phone", "")) or "",
            "address": errors.check("School address", v.optional_text, values.get("address", ""))
            or "",
            "logo_path": str(values.get("logo_path", "") or "").strip(),
        }
        logo = cleaned["logo_path"]
        if logo:
            path = Path(logo).expanduser()
            if not path.is_file():
                errors.add(
                    "Logo", f"no file at {logo}; choose an existing PNG or JPG, or leave it empty"
                )
            elif path.suffix.lower() not in (".png", ".jpg", ".jpeg"):
                errors.add("Logo", "must be a PNG or JPG image")
        errors.raise_if_any()
        return cleaned

    def save_school(self, actor: Actor, values: dict[str, Any]) -> None:
        actor.require(Role.OFFICE, Role.APPROVER, Role.ADMIN, action="change the school details")
        values = self.validate_school(values)
        with self.db.transaction() as session:
            self._write_school(session, values)
            self.audit(session, actor, "school_changed", data=values)

    def _write_school(self, session: Session, values: dict[str, Any]) -> dict[str, Any]:
        """Write the school's details in `session`; what they were before."""
        row = session.get(Setting, SCHOOL_KEY)
        if row is None:
            session.add(Setting(key=SCHOOL_KEY, value=values, updated_at=self.clock.now()))
            return {}
        before = dict(row.value)
        row.value = {**row.value, **values}
        row.updated_at = self.clock.now()
        return before


# (field, label, weaker_if): a change in this direction makes staff less safe.
_SAFETY: list[tuple[str, str, object]] = [
    ("approval_required", "every visit needs approval", lambda old, new: old and not new),
    ("dbs_required", "a current DBS check is required", lambda old, new: old and not new),
    ("lone_visits_allowed", "lone visits", lambda old, new: new and not old),
    ("out_of_hours_needs_reason", "out-of-hours reason", lambda old, new: old and not new),
    (
        "commute_visits_need_approval",
        "approval of visits on the way to or from work",
        lambda old, new: old and not new,
    ),
    ("min_staff", "minimum staff", lambda old, new: new < old),
    ("checkin_interval_min", "check-in interval", lambda old, new: new > old),
    ("checkin_grace_min", "check-in grace", lambda old, new: new > old),
    ("return_grace_min", "return grace", lambda old, new: new > old),
    ("escalation_step_min", "minutes per escalation step", lambda old, new: new > old),
    ("escalate_after_min", "minutes before alarms are sent out", lambda old, new: new > old),
    ("dbs_valid_years", "DBS validity", lambda old, new: new > old),
    ("lone_working_valid_months", "lone working assessment validity", lambda old, new: new > old),
    (
        "signin_failures_before_lock",
        "wrong passwords before a lock-out",
        lambda old, new: new > old,
    ),
    ("signin_lock_min", "sign-in lock-out length", lambda old, new: new < old),
    ("idle_lock_min", "idle session lock", lambda old, new: new > old),
    (
        "lone_working_assessment_for_any_lone_visit",
        "lone working assessment before any lone visit",
        lambda old, new: old and not new,
    ),
    (
        "office_call_after_start_min",
        "office call after the start",
        lambda old, new: old is not None and (new is None or new > old),
    ),
    (
        "late_phone_reminder_min",
        "late phone reminder",
        lambda old, new: old is not None and (new is None or new > old),
    ),
]


def weakened(before: PolicySettings, after: PolicySettings) -> list[str]:
    """The safety rules that `after` relaxes compared with `before`, in words."""
    return [
        label
        for name, label, weaker in _SAFETY
        if weaker(getattr(before, name), getattr(after, name))  # type: ignore[operator]
    ]


def validate_policy(policy: PolicySettings) -> None:
    errors = Collector()
    if not policy.school_name.strip():
        errors.add("School name", "is required")
    for name, (label, low, high) in NUMBER_FIELDS.items():
        value = getattr(policy, name)
        if not isinstance(value, int) or not low <= value <= high:
            errors.add(label, f"must be a whole number from {low} to {high}")
    for name, (label, low, high) in OPTIONAL_NUMBER_FIELDS.items():
        value = getattr(policy, name)
        if value is not None and (not isinstance(value, int) or not low <= value <= high):
            errors.add(label, f"must be off or a whole number from {low} to {high}")
    if policy.school_day_end <= policy.school_day_start:
        errors.add("School day ends", "must be after the school day starts")
    if policy.evening_from < policy.school_day_end:
        errors.add("Evening starts", "must be at or after the end of the school day")
    if not policy.lone_visits_allowed and policy.min_staff < 2:
        errors.add("Minimum staff on a visit", "must be 2 when lone visits are not allowed")
    if problem := secret_word_problem(policy.text_duress_word):
        errors.add("Duress word by text (text_duress_word)", problem)
    errors.raise_if_any()
