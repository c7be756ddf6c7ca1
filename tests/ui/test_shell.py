"""Features plug into the window through the shell's typed hooks, never by setting attributes on it:
what a feature offers is found by its type (shell.feature), and it stops on the window's `closed`."""

from __future__ import annotations

import dataclasses

import pytest

from hvdesk.models import Role
from hvdesk.services.base import Actor
from tests.ui.conftest import delete_now
from ui.follow_ups import FollowUpsFeature
from ui.main_window import MainWindow
from ui.notify.feature import NotifyFeature
from ui.session_lock import SessionActor, SessionLockFeature
from ui.shell import FeatureMissing

pytestmark = pytest.mark.ui


def test_installing_every_feature_sets_no_attribute_on_the_window(window, services, office_actor):
    bare = MainWindow(services, SessionActor(office_actor))  # the window with no feature installed
    try:
        added = set(vars(window)) - set(vars(bare))
    finally:
        bare.close()
        delete_now(bare)
    assert added == set()


def test_features_are_found_by_their_type(window):
    assert window.feature(SessionLockFeature).sign_out_action.shortcut().toString() == "Ctrl+L"
    assert window.feature(FollowUpsFeature).strip.parent() is not None  # on Today, at the top
    assert window.feature(NotifyFeature).panel is window.panels["Notifications"]


def test_a_feature_not_installed_is_named(services, office_actor):
    bare = MainWindow(services, SessionActor(office_actor))
    try:
        with pytest.raises(FeatureMissing, match="NotifyFeature is not installed"):
            bare.feature(NotifyFeature)
    finally:
        bare.close()
        delete_now(bare)


def test_closing_the_window_tells_the_features_once(window, qtbot):
    timer = window.feature(NotifyFeature).status.timer
    assert timer.isActive()
    with qtbot.waitSignal(window.closed, timeout=5000):
        window.close()
    assert not timer.isActive()  # the notifications feature stopped on `closed`


def test_the_session_actor_is_one_object_whoever_signs_in(office_actor):
    """Held in sets and dict keys across a switch of user: hashed and compared by identity."""
    session = SessionActor(office_actor)
    held = {session: "the seat"}
    before = hash(session)
    session.switch(Actor(99, "Linda Francis", Role.APPROVER.value))
    assert hash(session) == before and held[session] == "the seat"
    assert session == session and session != SessionActor(session.current)
    with pytest.raises(TypeError):  # not a value: a copy is `session.current`
        dataclasses.replace(session, name="someone")
