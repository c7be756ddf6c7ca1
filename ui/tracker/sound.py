"""The alarm sound: loops while any alarm needs attention, stops when everyone's alarm is owned.

QSoundEffect plays resources/sounds/alarm.wav on the *current* default output: when devices change
(a headset unplugged, a Remote Desktop session starting) the effect is rebuilt on the new default
and, if an alarm is sounding, restarted there. If no device can play (none, a load error, muted),
`problem()` says why in words, so the status bar can show a red ALARM SOUND OFF; the system beep
repeats meanwhile as a last resort (the Windows 'No Sounds' scheme silences it, so it is never
counted as sound). HVDESK_NO_SOUND=1 (set in tests) keeps it silent, while `on` still says whether
the sound *would* be playing, so tests can check it.

The device list comes through a seam (`devices`: QMediaDevices, or a fake with the same three
members in tests), so following the default device is tested without audio hardware.
"""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtCore import QObject, QTimer, QUrl, Signal
from PySide6.QtWidgets import QApplication

from hvdesk.resources import resource_path

BEEP_MS = 1500
TEST_MS = 3000


def _media_devices(parent: QObject) -> Any:
    try:
        from PySide6.QtMultimedia import QMediaDevices

        return QMediaDevices(parent)
    except Exception:  # no multimedia module or backend
        return None


class AlarmSound(QObject):
    problem_changed = Signal(str)  # '' when the alarm can sound, else why not
    outputs_changed = Signal()  # the device list changed: the system's mute/volume may have too

    def __init__(self, parent: QObject | None = None, devices: Any = None) -> None:
        super().__init__(parent)
        self.on = False
        self.muted = os.environ.get("HVDESK_NO_SOUND", "") not in ("", "0")
        self.plays = 0  # times the sound was started (for tests and the log)
        self.device_changes = 0  # times the effect moved to a new default output
        self.testing = False
        self._effect: Any = None
        self._beep = QTimer(self)
        self._beep.setInterval(BEEP_MS)
        self._beep.timeout.connect(QApplication.beep)
        self._test_timer = QTimer(self)
        self._test_timer.setSingleShot(True)
        self._test_timer.timeout.connect(self._end_test)
        self._last_problem: str | None = None
        self.devices = devices
        if self.muted:
            return
        if self.devices is None:
            self.devices = _media_devices(self)
        if self.devices is not None:
            self.devices.audioOutputsChanged.connect(self._outputs_changed)
        self._effect = self._load()

    def _load(self) -> Any:
        path = resource_path("sounds", "alarm.wav")
        if self.devices is None or not path.exists() or not self.devices.audioOutputs():
            return None
        try:
            from PySide6.QtMultimedia import QSoundEffect

            effect = QSoundEffect(self.devices.defaultAudioOutput(), self)
            effect.setSource(QUrl.fromLocalFile(str(path)))
            effect.setLoopCount(QSoundEffect.Loop.Infinite.value)
            effect.setVolume(1.0)
            effect.statusChanged.connect(self._report)
            effect.mutedChanged.connect(self._report)
            return effect
        except Exception:  # no multimedia backend: fall back to the beep
            return None

    def _outputs_changed(self) -> None:
        """Follow the default output: rebuild the effect there, and keep sounding if it was."""
        old, self._effect = self._effect, None
        if old is not None:
            old.stop()
            old.deleteLater()
        self._effect = self._load()
        self.device_changes += 1
        if self.on or self.testing:
            self._start()
        self._report()
        self.outputs_changed.emit()

    def _playable(self) -> bool:
        return self._effect is not None and self._effect.status().name != "Error"

    def problem(self) -> str:
        """Why the alarm cannot be heard, in words; '' when it can."""
        if self.muted:
            return "sound turned off (HVDESK_NO_SOUND)"
        if self.devices is None:
            return "no sound system"
        if not self.devices.audioOutputs():
            return "no sound output device (speakers unplugged, or Remote Desktop without audio)"
        if self._effect is None:
            return "the alarm sound could not be loaded"
        if self._effect.status().name == "Error":
            return "the sound device reported an error"
        if self._effect.isMuted():
            return "muted"
        return ""

    def _report(self, *_args: object) -> None:
        problem = self.problem()
        if problem != self._last_problem:
            self._last_problem = problem
            self.problem_changed.emit(problem)

    def _start(self) -> None:
        if self.muted:
            return
        if self._playable():
            self._beep.stop()
            self._effect.play()
        else:
            QApplication.beep()
            self._beep.start()

    def _stop_output(self) -> None:
        self._beep.stop()
        if self._effect is not None:
            self._effect.stop()

    def set_on(self, on: bool) -> None:
        if on == self.on:
            return
        self.on = on
        if on:
            self.plays += 1
            self._start()
        elif not self.testing:
            self._stop_output()
        self._report()

    def test(self, ms: int = TEST_MS) -> str:
        """'Test alarm sound': play for a few seconds; returns the problem ('' if it can sound)."""
        self.testing = True
        self._start()
        self._test_timer.start(ms)
        self._report()
        return self.problem()

    def _end_test(self) -> None:
        self.testing = False
        if not self.on:
            self._stop_output()

    def stop(self) -> None:
        self.testing = False
        self._test_timer.stop()
        self.set_on(False)
        self._stop_output()
