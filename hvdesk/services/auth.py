"""User accounts and sign-in. Passwords are hashed with argon2 (argon2-cffi)."""

from __future__ import annotations

from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hvdesk.clock import fmt_time_any_zone
from hvdesk.errors import (
    Collector,
    FieldError,
    HvdeskError,
    NotAllowed,
    NotFound,
    ValidationError,
)
from hvdesk.models import Role, UserAccount
from hvdesk.policy import PolicySettings
from hvdesk.rules import lockout
from hvdesk.rules import validation as v
from hvdesk.services.base import SYSTEM, Actor, Service
from hvdesk.services.settings import SettingsService

_hasher = PasswordHasher()


class SignInFailed(HvdeskError):
    pass


class AccountLocked(SignInFailed):
    """Too many wrong passwords in a row: the account waits, or an admin unlocks it."""


def _locked_text(until: datetime) -> str:
    return (
        f"This account is locked after too many wrong passwords, until {fmt_time(until)}. "
        "Try again then, or ask an admin to unlock it."
    )


def fmt_time(when: datetime) -> str:
    """London HH:MM, or UTC (said so) without the zone data: the repair commands (`key show`)
    sign in without checking the zone, and a locked account must still be told in words."""
    return fmt_time_any_zone(when)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


class AuthService(Service):
    def has_users(self) -> bool:
        with self.db.read() as session:
            return bool(session.scalar(select(func.count(UserAccount.id))))

    def list(self) -> list[UserAccount]:
        with self.db.read() as session:
            return list(session.scalars(select(UserAccount).order_by(UserAccount.username)))

    def create_user(
        self,
        actor: Actor,
        username: str,
        display_name: str,
        role: str,
        password: str,
        *,
        staff_id: int | None = None,
        approver_title: str = "",
    ) -> UserAccount:
        if self.has_users():
            actor.require(Role.ADMIN, Role.APPROVER, action="create user accounts")
        errors = Collector()
        name = errors.check("Username", v.username, username)
        shown = errors.check("Display name", lambda x, f: v.required(x, f, 120), display_name)
        errors.check("Password", v.password, password)
        try:
            role = Role(role).value
        except ValueError:
            errors.add("Role", f"choose one of {', '.join(r.value for r in Role)}")
        errors.raise_if_any()
        with self.db.transaction() as session:
            exists = session.scalar(select(UserAccount).where(UserAccount.username == name))
            if exists:
                raise ValidationError(
                    [FieldError("Username", f"'{name}' is taken; choose another")]
                )
            user = UserAccount(
                username=name,
                display_name=shown,
                role=role,
                approver_title=approver_title,
                password_hash=hash_password(password),
                staff_id=staff_id,
                created_at=self.clock.now(),
            )
            session.add(user)
            session.flush()
            self.audit(
                session, actor, "user_created", f"{name} ({role})", data={"user_id": user.id}
            )
        return user

    def sign_in(self, username: str, password: str) -> Actor:
        """Check a password. Failures are audited; the message never says which part was wrong.

        A run of wrong passwords locks the account for a while (policy), audited; while it is
        locked even the right password is refused, so guessing cannot go on in the background.
        """
        name = (username or "").strip().lower()
        policy = SettingsService(self.db, self.clock).policy()
        now = self.clock.now()
        with self.db.transaction() as session:
            user = session.scalar(select(UserAccount).where(UserAccount.username == name))
            if user is not None and lockout.is_locked(user.locked_until, now):
                self.audit(session, Actor(None, name), "sign_in_refused_locked")
                until = user.locked_until
                assert until is not None
                locked_message = _locked_text(until)
            else:
                locked_message = ""
                if self._password_ok(user, password):
                    assert user is not None
                    return self._signed_in(session, user, password)
                self.audit(session, Actor(None, name or "?"), "sign_in_failed")
                if user is not None:
                    locked_message = self._count_failure(session, user, policy, now)
        if locked_message:
            raise AccountLocked(locked_message)
        raise SignInFailed("Username or password not recognised. Check both and try again.")

    @staticmethod
    def _password_ok(user: UserAccount | None, password: str) -> bool:
        if user is None or not user.active:
            return False
        try:
            return _hasher.verify(user.password_hash, password or "")
        except (VerificationError, InvalidHashError):
            return False

    def _signed_in(self, session: Session, user: UserAccount, password: str) -> Actor:
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        user.failed_sign_ins, user.lockouts, user.locked_until = 0, 0, None
        actor = Actor(user.id, user.display_name, user.role)
        self.audit(session, actor, "signed_in")
        return actor

    def _count_failure(
        self, session: Session, user: UserAccount, policy: PolicySettings, now: datetime
    ) -> str:
        """Record one wrong password; returns the lock message when this one locks the account."""
        after = lockout.after_failure(
            user.failed_sign_ins or 0,
            user.lockouts or 0,
            now,
            limit=policy.signin_failures_before_lock,
            base_min=policy.signin_lock_min,
        )
        user.failed_sign_ins, user.lockouts = after.failed, after.lockouts
        if after.locked_until is None:
            return ""
        user.locked_until = after.locked_until
        self.audit(
            session,
            SYSTEM,
            "account_locked",
            f"{user.username}: {policy.signin_failures_before_lock} wrong passwords in a row; "
            f"locked until {fmt_time(after.locked_until)}",
            data={"user_id": user.id, "locked_until": after.locked_until.isoformat()},
        )
        return _locked_text(after.locked_until)

    def unlock(self, actor: Actor, user_id: int) -> None:
        actor.require(Role.ADMIN, action="unlock an account")
        with self.db.transaction() as session:
            user = self._user(session, user_id)
            user.failed_sign_ins, user.lockouts, user.locked_until = 0, 0, None
            self.audit(session, actor, "account_unlocked", user.username)

    def set_active(self, actor: Actor, user_id: int, active: bool) -> None:
        """Deactivate (or reactivate) an account; never the last active admin."""
        actor.require(Role.ADMIN, action="deactivate accounts")
        with self.db.transaction() as session:
            user = self._user(session, user_id)
            if not active:
                self._keep_an_admin(session, user, "deactivate")
            user.active = active
            kind = "account_reactivated" if active else "account_deactivated"
            self.audit(session, actor, kind, user.username)

    def set_role(self, actor: Actor, user_id: int, role: str) -> None:
        actor.require(Role.ADMIN, action="change a user's role")
        try:
            new = Role(role).value
        except ValueError:
            raise ValidationError(
                [FieldError("Role", f"choose one of {', '.join(r.value for r in Role)}")]
            ) from None
        with self.db.transaction() as session:
            user = self._user(session, user_id)
            if new != Role.ADMIN.value:
                self._keep_an_admin(session, user, "change the role of")
            before, user.role = user.role, new
            self.audit(session, actor, "role_changed", f"{user.username}: {before} -> {new}")

    @staticmethod
    def _user(session: Session, user_id: int) -> UserAccount:
        user = session.get(UserAccount, user_id)
        if user is None:
            raise NotFound(f"No user with id {user_id}")
        return user

    @staticmethod
    def _keep_an_admin(session: Session, user: UserAccount, verb: str) -> None:
        if user.role != Role.ADMIN.value or not user.active:
            return
        admins = session.scalar(
            select(func.count(UserAccount.id)).where(
                UserAccount.role == Role.ADMIN.value, UserAccount.active.is_(True)
            )
        )
        if (admins or 0) <= 1:
            raise NotAllowed(
                f"You cannot {verb} {user.username}: it is the last active admin account, and "
                "nobody could manage accounts afterwards. Make another admin first."
            )

    def actor_for(self, user_id: int) -> Actor:
        with self.db.read() as session:
            user = session.get(UserAccount, user_id)
            if user is None:
                raise NotFound(f"No user with id {user_id}")
            return Actor(user.id, user.display_name, user.role)

    def expected_actor(self, username: str) -> Actor | None:
        """Who `sign_in(username, ...)` would sign in if the password is right: the app builds
        that person's window while the password is checked. Nothing is recorded and nothing is
        said about the account (None for unknown, inactive or locked alike); only sign_in
        decides, and its result is what counts."""
        name = (username or "").strip().lower()
        with self.db.read() as session:
            user = session.scalar(select(UserAccount).where(UserAccount.username == name))
            if user is None or not user.active:
                return None
            if lockout.is_locked(user.locked_until, self.clock.now()):
                return None
            return Actor(user.id, user.display_name, user.role)

    def change_password(self, actor: Actor, user_id: int, new_password: str) -> None:
        if actor.user_id != user_id:
            actor.require(Role.ADMIN, action="change another user's password")
        errors = Collector()
        errors.check("Password", v.password, new_password)
        errors.raise_if_any()
        with self.db.transaction() as session:
            user = session.get(UserAccount, user_id)
            if user is None:
                raise NotFound(f"No user with id {user_id}")
            user.password_hash = hash_password(new_password)
            self.audit(session, actor, "password_changed", user.username)
