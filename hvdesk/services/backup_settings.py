"""The time of day the school's database is backed up (a school-wide setting, audited)."""

from __future__ import annotations

from datetime import time

from hvdesk.backup_schedule import DEFAULT_DAILY_AT
from hvdesk.models import Role, Setting
from hvdesk.services.base import Actor, Service

BACKUP_KEY = "backup"


class BackupSettingsService(Service):
    def daily_at(self) -> time:
        with self.db.read() as session:
            row = session.get(Setting, BACKUP_KEY)
        text = str((row.value if row else {}).get("daily_at", ""))
        try:
            return time.fromisoformat(text) if text else DEFAULT_DAILY_AT
        except ValueError:
            return DEFAULT_DAILY_AT

    def save_daily_at(self, actor: Actor, value: time) -> None:
        actor.require(Role.OFFICE, Role.APPROVER, Role.ADMIN, action="change the backup time")
        text = value.replace(second=0, microsecond=0).isoformat(timespec="minutes")
        with self.db.transaction() as session:
            row = session.get(Setting, BACKUP_KEY)
            if row is None:
                session.add(
                    Setting(key=BACKUP_KEY, value={"daily_at": text}, updated_at=self.clock.now())
                )
            else:
                row.value = {**row.value, "daily_at": text}
                row.updated_at = self.clock.now()
            self.audit(session, actor, "backup_time_changed", f"daily backup at {text}")
