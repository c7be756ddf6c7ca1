"""The alarm sound follows the default output device and says when it cannot be heard."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QObject, Signal
from PySide6.QtMultimedia import QAudioDevice

from ui.tracker.sound import AlarmSound

pytestmark = pytest.mark.ui


class FakeDevices(QObject):
    """QMediaDevices' three members, with devices a test plugs in and out."""

    audioOutputsChanged = Signal()

    def __init__(self, outputs: int = 0) -> None:
        super().__init__()
        self.outputs = [QAudioDevice() for _ in range(outputs)]
        self.defaults = 0

    def audioOutputs(self):
        return list(self.outputs)

    def defaultAudioOutput(self):
        self.defaults += 1
        return self.outputs[0] if self.outputs else QAudioDevice()

    def plug(self, count: int) -> None:
        self.outputs = [QAudioDevice() for _ in range(count)]
        self.audioOutputsChanged.emit()


@pytest.fixture
def audible(monkeypatch):
    monkeypatch.setenv("HVDESK_NO_SOUND", "0")


def test_no_sound_env_is_reported_not_hidden(qtbot):
    sound = AlarmSound(devices=FakeDevices(1))
    assert sound.muted
    assert "HVDESK_NO_SOUND" in sound.problem()


def test_no_device_is_alarm_sound_off_and_the_beep_stands_in(qtbot, audible):
    devices = FakeDevices(0)
    sound = AlarmSound(devices=devices)
    assert "no sound output device" in sound.problem()
    sound.set_on(True)
    assert sound._beep.isActive()  # last resort, never counted as sound
    sound.stop()


def test_the_sound_follows_a_new_default_device_and_keeps_sounding(qtbot, audible):
    devices = FakeDevices(0)
    sound = AlarmSound(devices=devices)
    reports: list[str] = []
    sound.problem_changed.connect(reports.append)
    sound.set_on(True)
    asked = devices.defaults
    devices.plug(1)  # a headset plugged in, or the Remote Desktop session got audio
    assert sound.device_changes == 1
    assert devices.defaults == asked + 1  # the effect was rebuilt on the new default
    assert sound._effect is not None
    assert "no sound output device" not in sound.problem()
    assert reports and "no sound output device" not in reports[-1]
    devices.plug(0)  # unplugged again
    assert sound.device_changes == 2
    assert sound._effect is None
    assert "no sound output device" in sound.problem()
    assert reports[-1] == sound.problem()
    assert sound.on and sound._beep.isActive()  # the alarm is still on: the beep carries on
    sound.stop()


def test_test_button_plays_briefly_without_starting_an_alarm(qtbot, audible):
    sound = AlarmSound(devices=FakeDevices(0))
    problem = sound.test(ms=50)
    assert "no sound output device" in problem
    assert sound.testing and not sound.on and sound.plays == 0
    qtbot.waitUntil(lambda: not sound.testing, timeout=2000)
    assert not sound._beep.isActive()
