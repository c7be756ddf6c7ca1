"""The database key leaves hvdesk only on purpose: shown to an admin, or printed on a recovery sheet.

Both are audited first (the event is committed before the key is shown or the PDF is written), so
the trail says who held the key even if printing then fails.
"""

from __future__ import annotations

from pathlib import Path

from hvdesk.errors import HvdeskError
from hvdesk.keystore import DbKey
from hvdesk.models import Role
from hvdesk.printing import recovery_sheet
from hvdesk.services.base import Actor, Service
from hvdesk.services.settings import SettingsService


class KeyService(Service):
    def _key(self) -> DbKey:
        if self.db.key is None:
            raise HvdeskError(
                "This database is not encrypted, so it has no key; encrypt it first "
                "(python main.py encrypt --db PATH)."
            )
        return self.db.key

    def show(self, actor: Actor) -> DbKey:
        actor.require(Role.ADMIN, action="see the database key")
        key = self._key()
        with self.db.transaction() as session:
            self.audit(session, actor, "database_key_shown", f"kept in {key.where}")
        return key

    def recovery_sheet(self, actor: Actor, path: Path) -> int:
        """Write the recovery sheet PDF (audited first); returns its page count."""
        actor.require(Role.ADMIN, action="print the database recovery sheet")
        key = self._key()
        with self.db.transaction() as session:
            self.audit(session, actor, "recovery_sheet_printed", str(path))
        school = SettingsService(self.db, self.clock).policy().school_name
        where = str(self.db.path) if self.db.path else self.db.describe()
        return recovery_sheet.write(path, key, where, school, self.clock.now())
