"""Accounts resist guessing: lock after a run of wrong passwords, longer each time; admins manage."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from hvdesk.errors import NotAllowed
from hvdesk.models import Event, Role, UserAccount
from hvdesk.rules.lockout import after_failure, lock_length
from hvdesk.services.auth import AccountLocked, AuthService, SignInFailed
from hvdesk.services.base import SYSTEM


def test_lock_length_doubles_and_is_capped():
    assert [lock_length(15, n).total_seconds() / 60 for n in range(4)] == [15, 30, 60, 120]
    assert lock_length(15, 40) == timedelta(hours=24)


def test_the_fifth_wrong_password_locks(clock):
    state = after_failure(0, 0, clock.now(), limit=5, base_min=15)
    for _ in range(3):
        state = after_failure(state.failed, state.lockouts, clock.now(), limit=5, base_min=15)
    assert state.failed == 4 and state.locked_until is None
    state = after_failure(state.failed, state.lockouts, clock.now(), limit=5, base_min=15)
    assert state.locked_until == clock.now() + timedelta(minutes=15) and state.lockouts == 1


@pytest.fixture
def auth(db, clock):
    service = AuthService(db, clock)
    service.create_user(SYSTEM, "admin1", "First Admin", "admin", "correct-horse-1")
    service.create_user(SYSTEM, "lfrancis", "Linda Francis", "approver", "correct-horse-2")
    return service


def _wrong(auth, times: int) -> list[type]:
    raised = []
    for _ in range(times):
        with pytest.raises(SignInFailed) as info:
            auth.sign_in("lfrancis", "guess")
        raised.append(type(info.value))
    return raised


def test_thirty_wrong_passwords_then_the_right_one_is_refused(auth, clock):
    assert _wrong(auth, 4) == [SignInFailed] * 4
    with pytest.raises(AccountLocked, match="locked after too many wrong passwords, until 09:15"):
        auth.sign_in("lfrancis", "guess")
    _wrong(auth, 25)  # all refused while locked, without counting towards anything
    with pytest.raises(AccountLocked):
        auth.sign_in("lfrancis", "correct-horse-2")  # even the right password
    clock.advance(timedelta(minutes=15))
    assert auth.sign_in("lfrancis", "correct-horse-2").name == "Linda Francis"


def test_a_repeated_lock_out_lasts_longer_and_is_audited(auth, db, clock):
    _wrong(auth, 5)
    clock.advance(timedelta(minutes=15))
    _wrong(auth, 4)
    with pytest.raises(AccountLocked, match="until 09:45"):  # 30 minutes from 09:15
        auth.sign_in("lfrancis", "guess")
    with db.read() as s:
        notes = list(s.scalars(select(Event.note).where(Event.kind == "account_locked")))
    assert len(notes) == 2 and notes[0].startswith("lfrancis: 5 wrong passwords")


def test_an_admin_unlocks_and_nobody_else(auth, db, clock):
    _wrong(auth, 5)
    admin = auth.sign_in("admin1", "correct-horse-1")
    with db.read() as s:
        head = s.scalar(select(UserAccount).where(UserAccount.username == "lfrancis"))
    assert head.locked_until is not None
    with pytest.raises(NotAllowed):
        auth.unlock(auth.actor_for(head.id), head.id)
    auth.unlock(admin, head.id)
    assert auth.sign_in("lfrancis", "correct-horse-2").role == Role.APPROVER.value


def test_the_policy_sets_the_limit(auth, db, clock):
    from hvdesk.services.settings import SettingsService

    settings = SettingsService(db, clock)
    settings.save_policy(SYSTEM, settings.policy().with_changes(signin_failures_before_lock=3))
    assert _wrong(auth, 3)[-1] is AccountLocked


def test_admins_deactivate_and_change_roles_but_never_the_last_admin(auth, db):
    admin = auth.sign_in("admin1", "correct-horse-1")
    with pytest.raises(NotAllowed, match="last active admin"):
        auth.set_role(admin, admin.user_id, "office")
    with pytest.raises(NotAllowed, match="last active admin"):
        auth.set_active(admin, admin.user_id, False)
    head_id = next(u.id for u in auth.list() if u.username == "lfrancis")
    auth.set_role(admin, head_id, "admin")
    auth.set_role(admin, admin.user_id, "office")  # now there is another admin
    with pytest.raises(NotAllowed):
        auth.set_active(auth.actor_for(admin.user_id), head_id, False)  # no longer an admin
    new_admin = auth.actor_for(head_id)
    auth.set_active(new_admin, admin.user_id, False)
    with pytest.raises(SignInFailed):
        auth.sign_in("admin1", "correct-horse-1")
