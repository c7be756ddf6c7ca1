"""Alarms that leave the building, on screen: contacts, channels, messages, monitor status."""

from ui.notify.feature import install

__all__ = ["install"]
