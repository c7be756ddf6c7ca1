"""A cheap 'has anything changed?' probe so every seat sees other seats' events within seconds."""

from __future__ import annotations

from sqlalchemy import func, select

from hvdesk.models import Event
from hvdesk.services.base import Service


class ChangeProbe(Service):
    def latest_event_id(self) -> int:
        with self.db.read() as session:
            return int(session.scalar(select(func.max(Event.id))) or 0)
