"""The alarm sound: loops while any alarm needs attention, stops when everyone's alarm is owned.

QSoundEffect plays resources/sounds/alarm.wav; if audio is unavailable (no device, no backend) the
system beep repeats instead. HVDESK_NO_SOUND=1 (set in tests) keeps it silent, while `on` still says
whether the sound *would* be playing, so tests can check it.
"""

from __future__ import annotations

import os

from PySide6.QtCore import QObject, QTimer, QUrl
from PySide6.QtWidgets import QApplication

from hvdesk.config import resource_path

BEEP_MS = 1500


class AlarmSound(QObject):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.on = False
        self.muted = os.environ.get("HVDESK_NO_SOUND", "") not in ("", "0")
        self.plays = 0  # times the sound was started (for tests and the log)
        self._effect = None
        self._loaded = False  # QtMultimedia (FFmpeg) and the device probe wait for the first alarm
        self._beep = QTimer(self)
        self._beep.setInterval(BEEP_MS)
        self._beep.timeout.connect(QApplication.beep)

    def _load(self):  # type: ignore[no-untyped-def]
        path = resource_path("sounds", "alarm.wav")
        try:
            from PySide6.QtMultimedia import QMediaDevices, QSoundEffect

            if not path.exists() or not QMediaDevices.audioOutputs():
                return None
            effect = QSoundEffect(self)
            effect.setSource(QUrl.fromLocalFile(str(path)))
            effect.setLoopCount(QSoundEffect.Loop.Infinite.value)
            effect.setVolume(1.0)
            return effect
        except Exception:  # no multimedia backend: fall back to the beep
            return None

    def set_on(self, on: bool) -> None:
        if on == self.on:
            return
        self.on = on
        if on:
            self.plays += 1
        if self.muted:
            return
        if on and not self._loaded:
            self._loaded = True
            self._effect = self._load()
        if self._effect is not None and self._effect.status().name != "Error":
            if on:
                self._effect.play()
            else:
                self._effect.stop()
            return
        if on:
            QApplication.beep()
            self._beep.start()
        else:
            self._beep.stop()

    def stop(self) -> None:
        self.set_on(False)
        self._beep.stop()
        if self._effect is not None:
            self._effect.stop()
