"""Backup retention: 7 daily + 4 weekly + 12 monthly, a fixed number of files at any age."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from hvdesk.rules.retention import Retention, backups_to_keep


def every_day(last: date, count: int) -> list[date]:
    return [last - timedelta(days=i) for i in range(count)]


def test_nothing_to_keep_from_nothing():
    assert backups_to_keep([]) == set()


def test_a_young_database_keeps_every_backup():
    days = every_day(date(2026, 11, 30), 5)
    assert backups_to_keep(days) == set(days)


def test_ten_years_of_daily_backups_keep_at_most_23_files():
    kept = backups_to_keep(every_day(date(2026, 11, 30), 3650))
    assert len(kept) <= 7 + 4 + 12
    assert min(kept) >= date(2025, 12, 1)  # twelve months back


def test_the_last_seven_days_are_all_kept():
    kept = backups_to_keep(every_day(date(2026, 11, 30), 400))
    assert set(every_day(date(2026, 11, 30), 7)) <= kept


def test_the_newest_backup_of_each_recent_week_and_month_is_kept():
    kept = backups_to_keep(every_day(date(2026, 11, 30), 400))  # Monday 30 Nov 2026
    sundays = [date(2026, 11, 29), date(2026, 11, 22), date(2026, 11, 15)]
    assert set(sundays) <= kept  # weeks: the newest of each ISO week (its Sunday)
    month_ends = [date(2026, 10, 31), date(2026, 9, 30), date(2025, 12, 31)]
    assert set(month_ends) <= kept
    assert date(2025, 11, 30) not in kept  # thirteen months back: gone


def test_gaps_in_the_backups_do_not_cost_a_period():
    """A week away (the PC off): the rule counts weeks that have a backup, not calendar weeks."""
    days = [date(2026, 11, 30), date(2026, 11, 2), date(2026, 10, 5), date(2026, 9, 7)]
    assert backups_to_keep(days, Retention(daily=1, weekly=4, monthly=0)) == set(days)


@pytest.mark.parametrize("rule", [Retention(0, 0, 0), Retention(1, 0, 0), Retention(0, 0, 1)])
def test_each_count_is_honoured(rule):
    kept = backups_to_keep(every_day(date(2026, 11, 30), 100), rule)
    assert len(kept) == max(rule.daily, rule.weekly, rule.monthly)


def test_same_day_twice_counts_once():
    assert backups_to_keep([date(2026, 1, 1), date(2026, 1, 1)]) == {date(2026, 1, 1)}
