"""The monitoring lease: one holder at a time, a monitor outranks windows, another takes over when
the holder stops beating, and a clean stop hands it on at once."""

from __future__ import annotations

from datetime import timedelta

from hvdesk.notify import lease as leases


def test_one_holder_and_takeover_after_expiry(db, clock):
    a = leases.Lease(db, clock, host="SRV-A")
    b = leases.Lease(db, clock, host="SRV-B")
    assert a.beat() and not b.beat()
    clock.advance(leases.BEAT_S)
    assert a.beat() and not b.beat()  # renewed: still A's
    clock.advance(leases.LEASE_S - 1)
    assert not b.beat()  # A stopped beating, but the lease has a second left
    clock.advance(1)
    assert b.beat()  # expired: B takes over, within a minute of A's last beat
    assert not a.beat()  # and A, back from a stall, does not take it back
    status = leases.status(db)
    assert status.host == "SRV-B" and status.kind == leases.MONITOR


def test_a_monitor_outranks_windows_and_windows_never_outrank_a_monitor(db, clock):
    window = leases.Lease(db, clock, kind=leases.WINDOW, host="OFFICE-PC")
    other_window = leases.Lease(db, clock, kind=leases.WINDOW, host="HEAD-PC")
    monitor = leases.Lease(db, clock, host="SRV")
    assert window.beat() and not other_window.beat()
    assert monitor.beat()  # at once, without waiting for the window's lease to run out
    assert not window.beat() and not window.held
    clock.advance(timedelta(seconds=5))
    assert not window.beat()


def test_a_clean_stop_hands_the_lease_on_at_once(db, clock):
    a = leases.Lease(db, clock, host="SRV-A")
    b = leases.Lease(db, clock, host="SRV-B")
    assert a.beat()
    a.release()
    assert b.beat()


def test_status_ages_and_silence(db, clock):
    assert leases.status(db).silent(clock.now())
    leases.Lease(db, clock, host="SRV").beat()
    clock.advance(4)
    status = leases.status(db)
    assert status.age_s(clock.now()) == 4 and status.alive(clock.now())
    clock.advance(leases.SILENT_WARNING_S)
    assert leases.status(db).silent(clock.now()) and not leases.status(db).alive(clock.now())
