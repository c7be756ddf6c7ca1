"""The PC's own sound and power plan, read off the GUI thread and shown in the status bar."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from PySide6.QtCore import QCoreApplication, Qt

from hvdesk.pc_readiness import PcReading
from hvdesk.platform.fake import FakePlatform
from hvdesk.platform.sound_output import OutputState
from hvdesk.services.tracker import TrackerService
from tests.ui.conftest import delete_now
from ui.office_pc import OfficePcFeature
from ui.pc_checks import CHECK_MS, PcChecks

pytestmark = pytest.mark.ui


def _checks(window) -> PcChecks:
    checks = window.findChild(PcChecks)
    assert checks is not None
    return checks


def _read_now(window, qtbot, width: int = 1700) -> None:
    """A fresh reading, on a window wide enough for every warning in full."""
    window.resize(width, 800)
    checks = _checks(window)
    before = checks.reads
    checks.refresh()
    qtbot.waitUntil(lambda: checks.reads > before, timeout=5000)


@pytest.mark.parametrize(
    ("output", "words", "reason"),
    [
        (OutputState(muted=True, volume=0.7), "the PC's sound is muted", "Unmute it"),
        (OutputState(muted=False, volume=0.0), "volume at 0 %", "Turn the volume up"),
        (
            OutputState(remote_session=True, no_endpoint=True),
            "Remote Desktop without sound",
            "Remote audio",
        ),
        (
            OutputState(muted=False, volume=0.7, app_muted=True, app_volume=1.0),
            "hvdesk is muted in the Volume Mixer",
            "Unmute hvdesk there",
        ),
        (
            OutputState(muted=False, volume=0.7, app_muted=False, app_volume=0.0),
            "hvdesk is muted in the Volume Mixer",
            "Unmute hvdesk there",
        ),
    ],
)
def test_the_systems_own_sound_shows_alarm_sound_off(
    window, fake_platform, qtbot, output, words, reason
):
    fake_platform.output = output
    _read_now(window, qtbot)
    assert window.feature(OfficePcFeature).sound_label.isVisibleTo(window)
    assert window.feature(OfficePcFeature).sound_label.text() == f"⚠ ALARM SOUND OFF — {words}"
    assert reason in window.feature(OfficePcFeature).sound_label.toolTip()
    assert reason in window.feature(OfficePcFeature).sound_label.accessibleDescription()
    assert "b00020" in window.feature(OfficePcFeature).sound_label.styleSheet()


def test_unmuting_the_pc_takes_the_words_back(window, fake_platform, qtbot):
    fake_platform.output = OutputState(muted=True, volume=0.7)
    _read_now(window, qtbot)
    assert "muted" in window.feature(OfficePcFeature).sound_label.text()
    fake_platform.output = OutputState(muted=False, volume=0.7)
    _read_now(window, qtbot)
    # HVDESK_NO_SOUND is set for the run: the player's own reason is what is left
    assert window.feature(OfficePcFeature).sound_label.text() == "⚠ ALARM SOUND OFF"
    assert "HVDESK_NO_SOUND" in window.feature(OfficePcFeature).sound_label.toolTip()


def test_the_power_plan_is_named_while_staff_are_out(window, fake_platform, office_actor, qtbot):
    fake_platform.plan_sleeps_after = timedelta(minutes=15)
    _read_now(window, qtbot)
    assert window.feature(OfficePcFeature).duty_label.isVisibleTo(window)
    assert window.feature(OfficePcFeature).duty_label.text() == (
        "⚠ power plan sleeps after 15 min: alarms may be late"
    )
    assert "Sleep: never" in window.feature(OfficePcFeature).duty_label.toolTip()
    assert (
        "if hvdesk cannot keep it awake"
        in window.feature(OfficePcFeature).duty_label.accessibleDescription()
    )
    # everyone home: a sleeping plan no longer matters
    ctrl = window.tracker_controller
    tracker = TrackerService(window.services.db, window.services.clock)
    for row in list(ctrl.board.rows):
        for alarm_id in row.open_alarm_ids + row.drill_alarm_ids:
            ctrl.alarm_service.acknowledge(office_actor, alarm_id)
            ctrl.alarm_service.resolve(office_actor, alarm_id, "safe_delayed", "back")
        tracker.returned(office_actor, row.visit.id)
    ctrl.check("test")
    assert not window.feature(OfficePcFeature).duty_label.isVisibleTo(window)


def test_a_locked_screen_keeps_its_words_and_the_plan_goes_into_the_detail(
    window, fake_platform, qtbot
):
    fake_platform.plan_sleeps_after = timedelta(minutes=30)
    fake_platform.locked = True
    _read_now(window, qtbot)
    assert window.feature(OfficePcFeature).duty_label.text() == "⚠ alarms may be late (locked)"
    assert "after 30 min" in window.feature(OfficePcFeature).duty_label.toolTip()


def test_every_warning_is_shown_whole_at_1280_the_bar_wraps(window, fake_platform, qtbot):
    fake_platform.output = OutputState(muted=True, volume=0.7)
    fake_platform.plan_sleeps_after = timedelta(minutes=15)
    _read_now(window, qtbot, width=1280)
    assert (
        window.feature(OfficePcFeature).sound_label.text()
        == "⚠ ALARM SOUND OFF — the PC's sound is muted"
    )
    assert (
        window.feature(OfficePcFeature).duty_label.text()
        == "⚠ power plan sleeps after 15 min: alarms may be late"
    )
    assert "Unmute it" in window.feature(OfficePcFeature).sound_label.toolTip()
    assert "sleeps after 15 min" in window.feature(OfficePcFeature).duty_label.toolTip()
    qtbot.waitUntil(
        lambda: (
            not window.feature(OfficePcFeature)
            .duty_label.geometry()
            .intersects(window.feature(OfficePcFeature).sound_label.geometry())
            and window.feature(OfficePcFeature).sound_label.width()
            >= window.feature(OfficePcFeature).sound_label.sizeHint().width()
            and window.feature(OfficePcFeature).duty_label.width()
            >= window.feature(OfficePcFeature).duty_label.sizeHint().width()
        )
    )


def test_the_gui_thread_never_calls_the_platform_reads(window, fake_platform, qtbot):
    gui = threading.get_ident()
    _read_now(window, qtbot)
    qtbot.mouseClick(window.feature(OfficePcFeature).this_pc.test_sound, Qt.MouseButton.LeftButton)
    window.tracker_controller.sound._outputs_changed()  # a headset unplugged
    window.tracker_controller.ticked.emit(window.services.clock.now())  # the status redrawn
    _read_now(window, qtbot)
    reads = {name for name, _thread in fake_platform.read_threads}
    assert reads == {"output_state", "sleep_after"}
    assert all(thread != gui for _name, thread in fake_platform.read_threads)


def test_a_changed_output_device_is_read_again(window, fake_platform, qtbot):
    checks = _checks(window)
    _read_now(window, qtbot)
    before = checks.reads
    fake_platform.output = OutputState(muted=True)
    window.tracker_controller.sound._outputs_changed()
    qtbot.waitUntil(lambda: checks.reads > before, timeout=5000)
    assert "muted" in window.feature(OfficePcFeature).sound_label.text()


def test_the_window_looks_every_30_seconds(window):
    checks = _checks(window)
    assert checks.timer.isActive() and checks.timer.interval() == CHECK_MS == 30_000


def test_the_test_button_reports_the_same_as_the_status_bar(window, fake_platform, qtbot):
    _read_now(window, qtbot)  # the start-up look: nothing wrong with the system's sound
    fake_platform.output = OutputState(muted=False, volume=0.0)  # turned down a moment ago
    heard = window.feature(OfficePcFeature).this_pc.sound_result
    qtbot.mouseClick(window.feature(OfficePcFeature).this_pc.test_sound, Qt.MouseButton.LeftButton)
    # the button looks again rather than trusting a reading up to 30 s old
    qtbot.waitUntil(lambda: "0 %" in heard.text(), timeout=5000)
    assert heard.text().startswith("ALARM SOUND OFF: the PC's volume is at 0 %")
    assert window.feature(OfficePcFeature).sound_label.text() == "⚠ ALARM SOUND OFF — volume at 0 %"


class _HeldPlatform(FakePlatform):
    """A fake whose sound reading waits until the test lets it go (a slow powercfg)."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()

    def output_state(self) -> OutputState:
        self.gate.wait(5)
        return super().output_state()


def test_requests_during_a_slow_reading_make_one_more_reading_not_a_queue(qtbot):
    platform = _HeldPlatform()
    checks = PcChecks(platform=platform, interval_ms=3_600_000)
    served: list[int] = []
    try:
        checks.refresh()
        checks.refresh(lambda: served.append(checks.reads))
        checks.refresh(lambda: served.append(checks.reads))
        platform.gate.set()
        qtbot.waitUntil(lambda: len(served) == 2, timeout=5000)
        assert served == [2, 2]  # both served by the reading taken after they asked
        assert checks.reads == 2
    finally:
        platform.gate.set()
        checks.stop()


def test_a_reading_older_than_90_seconds_is_unknown(qtbot):
    now = [1000.0]
    platform = FakePlatform(output=OutputState(muted=True), plan_sleeps_after=timedelta(hours=1))
    checks = PcChecks(platform=platform, interval_ms=3_600_000, monotonic=lambda: now[0])
    try:
        checks.refresh()
        qtbot.waitUntil(lambda: checks.reads == 1, timeout=5000)
        assert checks.reading == PcReading(OutputState(muted=True), timedelta(hours=1), True)
        now[0] += 89
        assert checks.reading.output.muted  # still the last look
        now[0] += 2  # the looks since have hung: neither "muted" nor "all well" is claimed
        assert checks.reading == PcReading()
    finally:
        checks.stop()


def test_closing_the_window_does_not_wait_for_a_hung_reading(
    services, office_actor, answers, fake_platform, qtbot, monkeypatch
):
    from ui.app import build_window

    gate, started, answered = threading.Event(), threading.Event(), threading.Event()
    unhung = fake_platform.output_state

    def hung() -> OutputState:
        started.set()
        gate.wait(30)  # a wedged audio service
        answered.set()
        return unhung()

    win = build_window(services, office_actor)
    win.show()
    checks = _checks(win)
    qtbot.waitUntil(lambda: checks.reads >= 1, timeout=5000)  # the start-up look
    monkeypatch.setattr(fake_platform, "output_state", hung)
    try:
        checks.refresh()
        assert started.wait(5)
        win.tracker_controller.stop()
        win.close()
        QCoreApplication.processEvents()  # this PC's duties stop just after the close
        delete_now(win)
        # all that came back while the reading was still hung (had the close waited for it, it
        # would have answered first, when its 30 s wait gave up): an order, not a time
        assert not answered.is_set(), "closing waited for the hung reading"
    finally:
        gate.set()


def test_settings_this_pc_names_the_power_plan(window, fake_platform, qtbot):
    fake_platform.plan_sleeps_after = timedelta(minutes=15)
    _read_now(window, qtbot)
    line = window.feature(OfficePcFeature).this_pc.power_plan
    assert line.text() == "Power plan: sleeps after 15 min (plugged in)"
    assert line.accessibleName() == "Power plan: sleeps after 15 min (plugged in)"
    fake_platform.plan_sleeps_after = None
    _read_now(window, qtbot)
    assert line.text() == "Power plan: never sleeps (plugged in)"


@pytest.mark.parametrize(("system", "loaded"), [("win32", ["comtypes"]), ("linux", [])])
def test_com_is_loaded_once_on_the_gui_thread_on_windows(qtbot, monkeypatch, system, loaded):
    from ui import pc_checks

    imports: list[tuple[str, int]] = []
    monkeypatch.setattr(pc_checks.sys, "platform", system)
    monkeypatch.setattr(
        pc_checks.importlib,
        "import_module",
        lambda name: imports.append((name, threading.get_ident())),
    )
    checks = PcChecks(platform=FakePlatform(), interval_ms=3_600_000)
    checks.stop()
    assert imports == [(name, threading.get_ident()) for name in loaded]
