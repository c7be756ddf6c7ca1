"""`audit verify`, `key show|rotate`, `encrypt`, `backup`, `restore`: the data protection commands.

The parser is in trust.py (cheap to build); this module runs the commands.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from hvdesk import keystore
from hvdesk.audit import verify
from hvdesk.clock import SystemClock
from hvdesk.commands.common import db_option, open_database
from hvdesk.config import database_url
from hvdesk.db import Database
from hvdesk.errors import HvdeskError
from hvdesk.models import Role
from hvdesk.restore import check_backup, remove_sqlite_leftovers, restore
from hvdesk.services.base import Actor
from hvdesk.services.keys import KeyService
from hvdesk.sqlcipher_files import encrypt_in_place, is_plain_sqlite


def _sqlite_path(args: argparse.Namespace, command: str) -> Path:
    url = database_url(db_option(args))
    if not url.startswith("sqlite:///"):
        raise HvdeskError(
            f"{command} is for the SQLite database file; on PostgreSQL the server keeps the "
            "files (see 'Backing up PostgreSQL' in the README for pg_dump)."
        )
    return Path(url.split(":///", 1)[1]).resolve()


def _existing_path(args: argparse.Namespace, command: str) -> Path:
    path = _sqlite_path(args, command)
    if not path.is_file():
        raise HvdeskError(f"--db {path}: no such database file; give your hvdesk database.")
    return path


def run_audit(args: argparse.Namespace) -> int:
    db, _ = open_database(args, london=False)
    try:
        with db.engine.connect() as conn:
            report = verify(conn)
    finally:
        db.dispose()
    print(report)
    return 0 if report.intact else 1


def _admin(db: Database, username: str) -> Actor:
    from hvdesk.commands.printing import _password
    from hvdesk.services.auth import AuthService, SignInFailed

    try:
        actor = AuthService(db, SystemClock()).sign_in(username, _password(username))
    except SignInFailed as err:
        raise HvdeskError(f"--user {username}: {err}") from None
    if actor.role != Role.ADMIN.value:
        raise HvdeskError(
            f"--user {username} has the {actor.role} role; only an admin may do this."
        )
    return actor


def run_key(args: argparse.Namespace) -> int:
    path = _existing_path(args, f"key {args.action}")
    if is_plain_sqlite(path):
        raise HvdeskError(
            f"{path} is not encrypted; encrypt it first: python main.py encrypt --db {path}"
        )
    if args.action == "import":
        from hvdesk.key_import import import_key, typed_key

        kept = import_key(path, typed_key(), lambda db: _admin(db, args.user))
        print(f"The key opens {path}; it is now kept in {kept.where}.{_it_note(kept)}")
        return 0
    if args.action == "sheet" and not args.out:
        raise HvdeskError("key sheet needs --out FILE.pdf: where to write the recovery sheet.")
    db, clock = open_database(args, london=args.action == "rotate")
    try:
        actor = _admin(db, args.user)
        if args.action == "show":
            key = KeyService(db, clock).show(actor)
            print(f"Key of {path} (kept in {key.where}):\n{key.hex}")
            return 0
        if args.action == "sheet":
            out = Path(args.out).expanduser().resolve()
            KeyService(db, clock).recovery_sheet(actor, out)
            print(
                f"Wrote the recovery sheet {out}: print it, keep it in the safe, delete the file."
            )
            return 0
        from hvdesk.in_use import alone, lease_holders
        from hvdesk.key_rotation import rotate

        with alone(path, "key rotate", lease_holders(db), "The key was not changed."):
            done = rotate(db, path, actor)
    finally:
        db.dispose()
    print(f"New key of {path}, kept in {done.key.where}:\n{done.key.hex}{_it_note(done.key)}")
    print(
        "Print a new recovery sheet: the old one no longer opens this database or its new backups."
    )
    print(done.advice())
    return 0


def _it_note(key: keystore.DbKey) -> str:
    """Said where the key was kept when only this account can read a machine-wide key."""
    return f"\nA note for IT: {key.note}" if key.note else ""


def run_encrypt(args: argparse.Namespace) -> int:
    path = _existing_path(args, "encrypt")
    if not is_plain_sqlite(path):
        print(f"{path} is already encrypted; nothing to do.")
        return 0
    from hvdesk.in_use import alone

    key = keystore.locate(str(path)) or keystore.create(str(path))
    from hvdesk.restore import encrypt_plain_backups

    with alone(path, "encrypt"):
        result = encrypt_in_place(path, key)
        backups = encrypt_plain_backups(path, key)
    rows = sum((result.counts or {}).values())
    print(f"Encrypted {path}: {rows} rows checked, integrity ok; the key is in {key.where}.")
    if key.note:
        print(_it_note(key).strip())
    if backups:
        print(f"Encrypted its {len(backups)} plain backup(s) too: {', '.join(map(str, backups))}")
    return 0


def run_backup(args: argparse.Namespace) -> int:
    _existing_path(args, "backup")
    out = Path(args.out).expanduser().resolve()
    if not out.parent.is_dir():
        raise HvdeskError(f"--out: folder {out.parent} does not exist; create it first.")
    db, _ = open_database(args, london=False)
    try:
        partial = out.with_name(out.name + ".partial")
        db.backup(partial)
        result, _used = check_backup(partial, db.key)
        remove_sqlite_leftovers(partial)  # a plain database's copy is WAL, and was opened so
        if not result.ok:
            partial.unlink(missing_ok=True)
            raise HvdeskError(f"--out {out}: the backup failed its check ({result.problem}).")
        if out.name.endswith(".gz"):  # what the name says: restore reads it as gzip
            _compress_in_place(partial)
        partial.replace(out)
        how = "encrypted with the database key" if db.key else "NOT encrypted (plain database)"
    finally:
        db.dispose()
    print(f"Backed up to {out} ({sum((result.counts or {}).values())} rows, {how}).")
    return 0


def _compress_in_place(path: Path) -> None:
    from hvdesk.backup import compress

    packed = path.with_name(path.name + ".gz")
    try:
        compress(path, packed)
        packed.replace(path)
    finally:
        packed.unlink(missing_ok=True)


def run_restore(args: argparse.Namespace) -> int:
    path = _sqlite_path(args, "restore")
    source = Path(args.file).expanduser().resolve()
    if not source.is_file():
        raise HvdeskError(f"restore {args.file}: no such file.")
    from hvdesk.in_use import alone

    with alone(path, "restore"):
        kept = restore(source, path, SystemClock().now())
    print(f"Restored {path} from {source}.")
    if kept is not None:
        print(f"The database it replaced is kept as {kept}.")
    return 0
