"""The key typed back from the recovery sheet, kept in the key store (a new PC, a rebuilt Windows).

Without this the only way to give hvdesk the key is the HVDESK_DB_KEY environment variable, which
an office cannot set for a desktop app. The typed key is stored only after it has opened the
database and passed its integrity check, and only for an admin, with an audit event.
"""

from __future__ import annotations

import getpass
import sys
from collections.abc import Callable
from pathlib import Path

from hvdesk import keystore
from hvdesk.clock import SystemClock
from hvdesk.db import Database, refuse_newer_file
from hvdesk.errors import HvdeskError
from hvdesk.keystore import DbKey
from hvdesk.services.base import Actor, Service
from hvdesk.sqlcipher_files import check_file

TYPED = "the key typed from the recovery sheet"


def typed_key() -> str:
    """The key, asked for without echo in a terminal, or one line piped in."""
    if sys.stdin is not None and sys.stdin.isatty():
        return getpass.getpass("Key from the recovery sheet (8 groups of 8): ")
    line = sys.stdin.readline() if sys.stdin is not None else ""
    if not line.strip():
        raise HvdeskError(
            "key import: no key given; run it in a terminal and type the key from the recovery "
            "sheet when asked (or pipe it in)."
        )
    return line


def opening_key(path: Path, typed: str) -> DbKey:
    """The typed key, if it opens this database file; a clear refusal naming the field if not."""
    key = DbKey(keystore.parse_hex(typed, "Key"), TYPED, "typed")
    result = check_file(path, key)
    if not result.ok:
        raise HvdeskError(
            f"Key: the key typed does not open {path} ({result.problem}); check each group of "
            "8 against the recovery sheet (the newest sheet, if the key was ever changed). "
            "Nothing was stored."
        )
    return key


def import_key(path: Path, typed: str, admin: Callable[[Database], Actor]) -> DbKey:
    """Check the typed key opens `path`, have an admin sign in on it, then keep it for this
    database in the key store (audited). Returns the key with where it is now kept."""
    key = opening_key(path, typed)
    refuse_newer_file(path, key)
    db = Database(f"sqlite:///{path}", key=key)
    try:
        actor = admin(db)
        kept = keystore.store(str(path), key.key)
        with db.transaction() as session:
            Service(db, SystemClock()).audit(session, actor, "database_key_imported", kept.where)
    finally:
        db.dispose()
    return kept


def admin_sign_in(username: str, password: str) -> Callable[[Database], Actor]:
    """An admin's sign-in on the database the typed key opened (what import_key asks for)."""

    def sign_in(db: Database) -> Actor:
        from hvdesk.models import Role
        from hvdesk.services.auth import AuthService

        actor = AuthService(db, SystemClock()).sign_in(username, password)
        if actor.role != Role.ADMIN.value:
            raise HvdeskError(
                f"Admin username: {username} has the {actor.role} role; only an admin may "
                "import the key."
            )
        return actor

    return sign_in
