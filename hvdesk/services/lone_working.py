"""Lone Working Risk Assessments per staff member (St Hugh's form): mobile, safe word, signed date.

Each signature is a new row (history kept); the newest within the policy's review period is current.
The safe word never leaves this service except through reveal_safe_word(), which only an office
user or an approver may call and which is always written to the audit trail. Everything else gets
LoneWorkingStatus, which carries no safe word at all.

The texting PIN (4 digits, for check-ins by text) is kept only as an argon2 hash, like a password:
nobody can read it back, it is never printed, and a new signature keeps the PIN already set unless a
new one is typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from hvdesk.clock import fmt_date, london
from hvdesk.errors import Collector, NotAllowed, NotFound, StateError
from hvdesk.events import EventKind
from hvdesk.models import LoneWorkingAssessment, Role, Staff, UserAccount
from hvdesk.policy import PolicySettings
from hvdesk.rules import validation as v
from hvdesk.rules.risk import ST_HUGHS_HAZARDS
from hvdesk.rules.staffing import current_lone_working, lone_working_expires
from hvdesk.rules.texts import secret_word_problem
from hvdesk.services.base import Actor, Service
from hvdesk.services.settings import SettingsService
from hvdesk.services.staff import refuse_shared_mobile

MASK = "••••••"
DUE_SOON_DAYS = 30
DECLARATION = "I have read and understand the Lone Working Risk Assessment."
# Words said on any ordinary call: as a safe word they would raise false alarms or go unnoticed.
EVERYDAY_WORDS = {
    "help",
    "yes",
    "no",
    "ok",
    "okay",
    "hello",
    "hi",
    "bye",
    "police",
    "safe",
    "danger",
    "emergency",
    "password",
    "thanks",
    "fine",
}
F_MOBILE, F_WORD, F_CONFIRM = "Mobile", "Safe word", "Confirm safe word"
F_SIGNED, F_DECLARATION = "Signed on", "Declaration"
F_PIN, F_CONFIRM_PIN = "Texting PIN", "Confirm texting PIN"
PIN_DIGITS = 4
# PINs anyone beside them would guess first.
GUESSABLE_PINS = {str(d) * PIN_DIGITS for d in range(10)} | {"1234", "4321", "0123", "9876", "2580"}
_pins = PasswordHasher()


@dataclass
class LoneWorkingInput:
    """What the signing form holds, as typed."""

    mobile: str = ""
    safe_word: str = ""
    confirm_safe_word: str = ""
    signed_on: date | None = None
    declaration: bool = False
    pin: str = ""  # blank: keep the PIN already set (if any)
    confirm_pin: str = ""


@dataclass(frozen=True)
class LoneWorkingStatus:
    """A staff member's lone-working position, safe word masked (it is not even in here)."""

    staff_id: int
    staff_name: str
    job_title: str
    assessment_id: int | None
    mobile: str
    signed_on: date | None
    expires_on: date | None
    state: str  # "current" | "due_soon" | "expired" | "none"
    safe_word: str = MASK
    has_pin: bool = False  # a texting PIN is set (the PIN itself is never read back)

    @property
    def text(self) -> str:
        if self.state == "none":
            return "✗ None on file"
        if self.state == "expired":
            return f"✗ Out of date since {fmt_date(self.expires_on)}"
        if self.state == "due_soon":
            return f"⚠ Renew by {fmt_date(self.expires_on)}"
        return f"✓ Current until {fmt_date(self.expires_on)}"

    @property
    def is_current(self) -> bool:
        return self.state in ("current", "due_soon")


@dataclass(frozen=True)
class RevealedSafeWord:
    staff_name: str
    safe_word: str
    signed_on: date
    current: bool


def _status(
    staff: Staff, policy: PolicySettings, today: date, row: LoneWorkingAssessment | None = None
) -> LoneWorkingStatus:
    current = current_lone_working(staff.lone_working, policy, today)
    shown = row or current or max(staff.lone_working, key=lambda a: a.signed_on, default=None)
    if shown is None:
        return LoneWorkingStatus(
            staff.id, staff.name, staff.job_title, None, "", None, None, "none"
        )
    expires = lone_working_expires(shown.signed_on, policy)
    if expires <= today or shown.signed_on > today:
        state = "expired"
    elif expires - today <= timedelta(days=DUE_SOON_DAYS):
        state = "due_soon"
    else:
        state = "current"
    return LoneWorkingStatus(
        staff.id,
        staff.name,
        staff.job_title,
        shown.id,
        shown.mobile,
        shown.signed_on,
        expires,
        state,
        has_pin=bool(shown.pin_hash),
    )


def clean_pin(pin: str, confirm: str, errors: Collector, *, required: bool = False) -> str:
    """A 4-digit texting PIN that is not the first anyone would guess; "" when none was typed."""
    pin, confirm = (pin or "").strip(), (confirm or "").strip()
    if not pin:
        if required:
            errors.add(F_PIN, f"is required; choose {PIN_DIGITS} digits to add to every text")
        return ""
    if not (pin.isdigit() and len(pin) == PIN_DIGITS):
        errors.add(F_PIN, f"must be exactly {PIN_DIGITS} digits, e.g. 4821")
        return ""
    if pin in GUESSABLE_PINS:
        errors.add(F_PIN, f"{pin} is among the first PINs anyone would try; choose another")
        return ""
    if confirm != pin:
        errors.add(F_CONFIRM_PIN, "does not match the PIN; type it again")
        return ""
    return pin


def hash_pin(pin: str) -> str:
    return _pins.hash(pin)


def pin_matches(pin_hash: str, pin: str | None) -> bool:
    """Does a PIN typed in a text match the stored hash (False when none is set)."""
    if not pin_hash or not pin:
        return False
    try:
        return _pins.verify(pin_hash, pin)
    except (VerificationError, InvalidHashError):
        return False


def clean_input(
    data: LoneWorkingInput, staff_name: str, policy: PolicySettings, today: date
) -> tuple[str, str, date, str]:
    """Mobile, safe word, signed date and the new texting PIN ("" to keep the one set)."""
    errors = Collector()
    mobile = errors.check(F_MOBILE, v.uk_mobile, data.mobile)
    word = " ".join((data.safe_word or "").split())
    if not word:
        errors.add(F_WORD, "is required; agree a word or phrase that sounds natural on a call")
    elif len(word) < 3 or len(word) > 60:
        errors.add(F_WORD, "use 3 to 60 characters (a word or a short phrase)")
    elif word.lower() in EVERYDAY_WORDS:
        errors.add(
            F_WORD,
            f"'{word}' is said on ordinary calls; choose a word that would not come up by "
            "accident (e.g. 'bluebell')",
        )
    elif word.lower() in {p.lower() for p in staff_name.split()} | {staff_name.lower()}:
        errors.add(F_WORD, "must not be the staff member's own name; choose another word")
    elif problem := secret_word_problem(word):
        errors.add(F_WORD, problem)
    if word and " ".join((data.confirm_safe_word or "").split()) != word:
        errors.add(F_CONFIRM, "does not match the safe word; type it again")
    signed = data.signed_on
    if signed is None:
        errors.add(F_SIGNED, "is required; enter the date the form was signed")
    elif signed > today:
        errors.add(F_SIGNED, f"{signed:%d %b %Y} is in the future; enter the date it was signed")
    elif lone_working_expires(signed, policy) <= today:
        errors.add(
            F_SIGNED,
            f"{signed:%d %b %Y} is more than {policy.lone_working_valid_months} months ago, so it "
            "would already be out of date; sign a new one today",
        )
    if not data.declaration:
        errors.add(F_DECLARATION, f"tick '{DECLARATION}' to sign")
    pin = clean_pin(data.pin, data.confirm_pin, errors)
    errors.raise_if_any()
    assert mobile is not None and signed is not None
    return mobile, word, signed, pin


class LoneWorkingService(Service):
    def _policy(self) -> PolicySettings:
        return SettingsService(self.db, self.clock).policy()

    def _today(self) -> date:
        return london(self.clock.now()).date()

    @staticmethod
    def _staff(session: Session, staff_id: int) -> Staff:
        staff = session.scalars(
            select(Staff).where(Staff.id == staff_id).options(selectinload(Staff.lone_working))
        ).first()
        if staff is None:
            raise NotFound(f"No staff member with id {staff_id}")
        return staff

    # --- reading (never the safe word) -----------------------------------------------------
    def overview(self, *, include_inactive: bool = False) -> list[LoneWorkingStatus]:
        policy, today = self._policy(), self._today()
        with self.db.read() as session:
            stmt = select(Staff).options(selectinload(Staff.lone_working)).order_by(Staff.name)
            if not include_inactive:
                stmt = stmt.where(Staff.active.is_(True))
            return [_status(s, policy, today) for s in session.scalars(stmt)]

    def status(self, staff_id: int) -> LoneWorkingStatus:
        policy, today = self._policy(), self._today()
        with self.db.read() as session:
            return _status(self._staff(session, staff_id), policy, today)

    def history(self, staff_id: int) -> list[LoneWorkingStatus]:
        """Every signature for one person, newest first (each with its own expiry)."""
        policy, today = self._policy(), self._today()
        with self.db.read() as session:
            staff = self._staff(session, staff_id)
            rows = sorted(staff.lone_working, key=lambda a: (a.signed_on, a.id), reverse=True)
            return [_status(staff, policy, today, row) for row in rows]

    # --- changes ---------------------------------------------------------------------------
    def record(self, actor: Actor, staff_id: int, data: LoneWorkingInput) -> LoneWorkingStatus:
        """Sign a new Lone Working Risk Assessment; it becomes the current one."""
        policy, today = self._policy(), self._today()
        with self.db.transaction() as session:
            staff = self._staff(session, staff_id)
            self._may_record(session, actor, staff)
            if not staff.active:
                raise StateError(
                    f"{staff.name} is deactivated; reactivate them on the Staff screen first."
                )
            mobile, word, signed, pin = clean_input(data, staff.name, policy, today)
            refuse_shared_mobile(session, mobile, staff.id, F_MOBILE)
            before = max(staff.lone_working, key=lambda a: (a.signed_on, a.id), default=None)
            pin_hash = hash_pin(pin) if pin else (before.pin_hash if before is not None else "")
            row = LoneWorkingAssessment(
                staff_id=staff.id,
                mobile=mobile,
                safe_word=word,
                pin_hash=pin_hash,
                signed_on=signed,
                hazards=[dict(h) for h in ST_HUGHS_HAZARDS],
                created_at=self.clock.now(),
                created_by=actor.name,
            )
            session.add(row)
            staff.lone_working.append(row)
            session.flush()
            self.audit(
                session,
                actor,
                EventKind.LONE_WORKING_SIGNED,
                f"{staff.name}: Lone Working Risk Assessment signed {fmt_date(signed)}; mobile "
                f"{v.display_phone(mobile)}; safe word recorded (hidden)"
                + ("; texting PIN set (hidden)" if pin else ""),
                staff_id=staff.id,
                data={"assessment_id": row.id, "pin_set": bool(pin)},
            )
            return _status(staff, policy, today, row)

    def set_pin(self, actor: Actor, staff_id: int, pin: str, confirm: str) -> LoneWorkingStatus:
        """Set or change the texting PIN on the newest assessment (no new signature needed)."""
        errors = Collector()
        clean = clean_pin(pin, confirm, errors, required=True)
        errors.raise_if_any()
        policy, today = self._policy(), self._today()
        with self.db.transaction() as session:
            staff = self._staff(session, staff_id)
            self._may_record(session, actor, staff)
            row = max(staff.lone_working, key=lambda a: (a.signed_on, a.id), default=None)
            if row is None:
                raise NotFound(
                    f"{staff.name} has no lone working assessment; sign one first (Staff screen, "
                    "Lone working…), with the PIN on it."
                )
            changed = bool(row.pin_hash)
            row.pin_hash = hash_pin(clean)
            self.audit(
                session,
                actor,
                EventKind.TEXT_PIN_SET,
                f"{staff.name}: texting PIN {'changed' if changed else 'set'} (hidden)",
                staff_id=staff.id,
                data={"assessment_id": row.id},
            )
            return _status(staff, policy, today, row)

    def reveal_safe_word(self, actor: Actor, staff_id: int, reason: str = "") -> RevealedSafeWord:
        """Show a safe word to an office user or approver who asks; the reveal is audited."""
        actor.require(Role.OFFICE, Role.APPROVER, action="reveal a safe word")
        errors = Collector()
        why = errors.check("Reason", v.optional_text, reason) or ""
        errors.raise_if_any()
        policy, today = self._policy(), self._today()
        with self.db.transaction() as session:
            user = session.get(UserAccount, actor.user_id) if actor.user_id is not None else None
            if user is None or not user.active or user.role not in (Role.OFFICE, Role.APPROVER):
                raise NotAllowed("Only a signed-in office user or approver can reveal a safe word.")
            staff = self._staff(session, staff_id)
            row = current_lone_working(staff.lone_working, policy, today) or max(
                staff.lone_working, key=lambda a: (a.signed_on, a.id), default=None
            )
            if row is None:
                raise NotFound(
                    f"{staff.name} has no lone working assessment, so no safe word is recorded; "
                    "record one from the Staff screen (Lone working…)."
                )
            current = lone_working_expires(row.signed_on, policy) > today
            self.audit(
                session,
                actor,
                EventKind.SAFE_WORD_REVEALED,
                f"Safe word for {staff.name} revealed to {actor.name}"
                + (f": {why}" if why else ""),
                staff_id=staff.id,
                data={"assessment_id": row.id},
            )
            return RevealedSafeWord(staff.name, row.safe_word, row.signed_on, current)

    @staticmethod
    def _may_record(session: Session, actor: Actor, staff: Staff) -> None:
        if actor.role in (Role.OFFICE, Role.APPROVER, Role.ADMIN):
            return
        if actor.role == Role.VISITOR and actor.user_id is not None:
            user = session.get(UserAccount, actor.user_id)
            if user is not None and user.staff_id == staff.id:
                return  # visiting staff sign their own
        raise NotAllowed(
            "Only office users, approvers and admins can record a lone working assessment for "
            "someone else; visiting staff can sign their own."
        )
