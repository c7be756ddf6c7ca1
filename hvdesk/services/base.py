"""What every service shares: the acting user, the audit writer, the database and the clock."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from hvdesk.clock import Clock
from hvdesk.db import Database
from hvdesk.errors import NotAllowed
from hvdesk.models import Event, Role


@dataclass(frozen=True)
class Actor:
    """Who is doing this: written on every Event."""

    user_id: int | None
    name: str
    role: str = Role.OFFICE.value

    @property
    def is_approver(self) -> bool:
        return self.role == Role.APPROVER.value

    @property
    def can_manage(self) -> bool:
        return self.role in (Role.OFFICE.value, Role.APPROVER.value, Role.ADMIN.value)

    def require(self, *roles: Role, action: str) -> None:
        if self.role not in {r.value for r in roles}:
            allowed = " or ".join(r.value for r in roles)
            raise NotAllowed(f"Only a user with the {allowed} role can {action}.")


SYSTEM = Actor(None, "hvdesk", Role.ADMIN.value)


class Service:
    def __init__(self, db: Database, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    def audit(
        self, session: Session, actor: Actor, kind: str, note: str = "", **refs: Any
    ) -> Event:
        """Append an Event in the caller's transaction (so the change and its record commit together)."""
        data = refs.pop("data", None) or {}
        at = refs.pop("at", None) or self.clock.now()
        event = Event(
            at=at,
            kind=kind,
            user_id=actor.user_id,
            user_name=actor.name,
            note=note,
            data=data,
            **refs,
        )
        session.add(event)
        return event
