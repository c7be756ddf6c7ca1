"""Clock helpers across the clocks changing, and the policy presets."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from hvdesk.clock import FakeClock, from_london, london, london_day_bounds, utc
from hvdesk.policy import PRESETS, PolicySettings, preset


def test_london_day_is_23_and_25_hours_when_clocks_change():
    start, end = london_day_bounds(date(2027, 3, 28))
    assert end - start == timedelta(hours=23)
    start, end = london_day_bounds(date(2027, 10, 31))
    assert end - start == timedelta(hours=25)


def test_from_london_in_summer_is_an_hour_behind_in_utc():
    assert from_london(datetime(2027, 6, 1, 9, 0)) == datetime(2027, 6, 1, 8, 0, tzinfo=UTC)
    assert london(datetime(2027, 6, 1, 8, 0, tzinfo=UTC)).hour == 9


def test_utc_treats_naive_as_utc():
    assert utc(datetime(2026, 1, 1, 12)).tzinfo is UTC


def test_fake_clock_jump_moves_wall_but_not_monotonic():
    clock = FakeClock(datetime(2026, 11, 24, 9, tzinfo=UTC))
    mono = clock.monotonic()
    clock.advance(timedelta(minutes=5))
    assert clock.monotonic() - mono == 300
    clock.jump(timedelta(hours=3))
    assert clock.monotonic() - mono == 300
    assert clock.now() == datetime(2026, 11, 24, 12, 5, tzinfo=UTC)


def test_presets_follow_the_seed_policies():
    assert preset("st_hughs").checkin_interval_min == 120
    assert preset("st_hughs").parent_wait_min == 10
    assert preset("hampton").return_grace_min == 30
    assert preset("hampton").late_phone_reminder_min == 15
    assert preset("hampton").lone_visits_allowed is False
    assert preset("harborne").office_call_after_start_min == 10
    assert preset("harborne").checkin_interval_min == 60
    assert preset("harrogate").parent_wait_if_late_notice_min == 30
    assert preset("thomas_more").return_grace_min == 0
    assert preset("thomas_more").reuse_first_assessment is True
    with pytest.raises(KeyError, match="unknown policy preset"):
        preset("nowhere")


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_policy_round_trips_through_dict(name):
    policy = PRESETS[name]
    assert PolicySettings.from_dict(policy.to_dict()) == policy


def test_from_dict_ignores_unknown_keys_and_parses_times():
    policy = PolicySettings.from_dict({"school_day_start": "08:45", "bogus": 1})
    assert policy.school_day_start == time(8, 45)
