"""User accounts and sign-in. Passwords are hashed with argon2 (argon2-cffi)."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select

from hvdesk.errors import Collector, FieldError, HvdeskError, NotFound, ValidationError
from hvdesk.models import Role, UserAccount
from hvdesk.rules import validation as v
from hvdesk.services.base import Actor, Service

_hasher = PasswordHasher()


class SignInFailed(HvdeskError):
    pass


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
        """Check a password. Failures are audited; the message never says which part was wrong."""
        name = (username or "").strip().lower()
        with self.db.transaction() as session:
            user = session.scalar(select(UserAccount).where(UserAccount.username == name))
            ok = False
            if user is not None and user.active:
                try:
                    ok = _hasher.verify(user.password_hash, password or "")
                except (VerificationError, InvalidHashError):
                    ok = False
            if ok:
                assert user is not None
                if _hasher.check_needs_rehash(user.password_hash):
                    user.password_hash = hash_password(password)
                actor = Actor(user.id, user.display_name, user.role)
                self.audit(session, actor, "signed_in")
                return actor
            self.audit(session, Actor(None, name or "?"), "sign_in_failed")
        raise SignInFailed("Username or password not recognised. Check both and try again.")

    def actor_for(self, user_id: int) -> Actor:
        with self.db.read() as session:
            user = session.get(UserAccount, user_id)
            if user is None:
                raise NotFound(f"No user with id {user_id}")
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
