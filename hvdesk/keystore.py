"""Where the database key lives, so the office PC opens its encrypted database without typing.

One question is answered here and nowhere else: "where is the key for this database?"
(`locate(target)`). The key is 256 random bits; it is kept where every account that may open the
database can reach it, and nobody else:

1. `HVDESK_DB_KEY` (64 hex digits): a server, CI, or the key typed back from the recovery sheet;
2. a database in the machine-wide data folder (shared by the Windows users of one PC), or the one
   IT named for the PC (hvdesk.ini database= or Group Policy): a key file in the machine-wide
   configuration folder, readable only by the hvdesk users group and the administrators (owner-only
   until IT makes the group), protected with DPAPI machine scope on Windows (hvdesk.platform);
3. a per-user database: the OS keyring (`keyring`); where there is none (a headless Linux box raises
   NoKeyringError) an owner-only key file in the user's configuration folder.

Every answer says which of these it used, so a message about a missing key can tell the office where
hvdesk looked. A missing key never leads to a new, empty database: only `create()` makes a key, and
only for a database file that does not exist yet.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from platformdirs import site_config_path, site_data_path, user_config_path

from hvdesk.cli_name import cli_program
from hvdesk.errors import HvdeskError
from hvdesk.key_env import ENV_KEY as ENV_KEY  # keystore.ENV_KEY: where the key comes from

log = logging.getLogger("hvdesk.keystore")
KEYRING_SERVICE = "hvdesk-database-key"


class KeyMissing(HvdeskError):
    """The key is missing, malformed or cannot be stored."""


@dataclass(frozen=True)
class DbKey:
    key: bytes  # 32 bytes
    where: str  # in words: "the HVDESK_DB_KEY environment variable", "the key file /etc/..."
    store: str  # env | keyring | file
    note: str = ""  # for IT, when only this account can read a machine-wide key

    @property
    def hex(self) -> str:
        return self.key.hex()

    @property
    def sqlcipher_pragma(self) -> str:
        """The raw-key form SQLCipher takes (no passphrase derivation on every connection)."""
        return f"x'{self.hex}'"


def parse_hex(value: str, source: str) -> bytes:
    text = "".join(value.split()).lower().removeprefix("x'").removesuffix("'")
    try:
        key = bytes.fromhex(text)
    except ValueError:
        key = b""
    if len(key) != 32:
        raise KeyMissing(f"{source}: a database key is 64 hexadecimal digits (0-9, a-f); check it")
    return key


def new_key() -> bytes:
    return secrets.token_bytes(32)


def machine_data_dir() -> Path:
    """The machine-wide data folder (shared by every Windows user of the office PC)."""
    override = os.environ.get("HVDESK_MACHINE_DATA_DIR")
    return Path(override) if override else site_data_path("hvdesk", appauthor=False)


def machine_config_dir() -> Path:
    override = os.environ.get("HVDESK_MACHINE_CONFIG_DIR")
    return Path(override) if override else site_config_path("hvdesk", appauthor=False)


def user_config_dir() -> Path:
    override = os.environ.get("HVDESK_CONFIG_DIR")
    return Path(override) if override else user_config_path("hvdesk", appauthor=False)


def _target_id(target: str) -> str:
    """A stable name for a database: its resolved file path, or its URL without a password."""
    if "://" not in target or target.startswith("sqlite"):
        path = target.split(":///", 1)[-1] if "://" in target else target
        return str(Path(path).expanduser().resolve())
    from sqlalchemy.engine import make_url

    return make_url(target).render_as_string(hide_password=True).replace("***@", "@")


def _machine_database_id() -> str | None:
    """The database IT named for the whole PC (hvdesk.ini database= or Group Policy), if any.
    A broken hvdesk.ini is reported where the database is opened, not here."""
    from hvdesk.config import machine_settings

    try:
        database = machine_settings().database
    except HvdeskError:
        return None
    return _target_id(database) if database else None


def _is_machine_wide(target_id: str) -> bool:
    """A database every Windows user of the PC opens: one in the machine-wide data folder, or the
    one IT set for the machine; its key must not sit in one user's keyring or profile."""
    if target_id == _machine_database_id():
        return True
    try:
        Path(target_id).relative_to(machine_data_dir().resolve())
    except ValueError:
        return False
    return True


def is_machine_wide(target: str) -> bool:
    """Is this database (file path or URL) the one every hvdesk user of the PC opens?"""
    return _is_machine_wide(_target_id(target))


def key_file(target: str) -> Path:
    """The key file for a database: machine-wide for the shared folder, else the user's."""
    tid = _target_id(target)
    folder = machine_config_dir() if _is_machine_wide(tid) else user_config_dir()
    digest = hashlib.sha256(tid.encode()).hexdigest()[:16]
    stem = Path(tid).stem if "://" not in tid else "server"
    return folder / "keys" / f"{stem}-{digest}.key"


def _keyring_get(tid: str) -> str | None:
    """The keyring's entry, or None when there is no entry or no keyring at all."""
    try:
        import keyring
        from keyring.errors import KeyringError

        return keyring.get_password(KEYRING_SERVICE, tid)
    except (ImportError, KeyringError, RuntimeError):
        return None


def _keyring_set(tid: str, value: str) -> bool:
    try:
        import keyring
        from keyring.errors import KeyringError

        keyring.set_password(KEYRING_SERVICE, tid, value)
        return True
    except (ImportError, KeyringError, RuntimeError):
        return False


def locate(target: str) -> DbKey | None:
    """Where is the key for this database (file path or URL)? None when hvdesk has none."""
    env = os.environ.get(ENV_KEY)
    if env:
        return DbKey(parse_hex(env, ENV_KEY), f"the {ENV_KEY} environment variable", "env")
    tid = _target_id(target)
    path = key_file(target)
    if not _is_machine_wide(tid):
        stored = _keyring_get(tid)
        if stored:
            return DbKey(parse_hex(stored, "the keyring"), "the OS keyring", "keyring")
    text = _read_key_file(path, _is_machine_wide(tid))
    if text is None:
        return None
    _refuse_open_to_others(path, _is_machine_wide(tid))
    key = parse_hex(_decoded(text, path, target), str(path))
    if _is_machine_wide(tid):
        _seal_older_file(path, text, key)
    return DbKey(key, f"the key file {path}", "file")


def _seal_older_file(path: Path, text: str, key: bytes) -> None:
    """An older machine-wide key file holds the key as plain hex: seal it (DPAPI on Windows) the
    first time an account that may write the keys folder reads it, rather than wait for a key
    rotation or import. An account that may only read it leaves it for the next one that can."""
    from hvdesk import key_file_format, platform

    if key_file_format.protection_of(text) != key_file_format.PLAIN:
        return
    if platform.current().key_protection == "none" or not os.access(path.parent, os.W_OK):
        return
    try:
        _store_machine_wide(path, key)
    except OSError as err:
        with contextlib.suppress(OSError):
            path.with_suffix(".tmp").unlink(missing_ok=True)
        log.warning("could not seal the older key file %s: %s", path, err.strerror or err)
        return
    log.info("sealed the older plain key file %s", path)


def _read_key_file(path: Path, machine_wide: bool) -> str | None:
    """The key file's text; None when there is none. A file (or folder) this account may not read
    is said so: never taken for a missing key, which could lead to a new one."""
    try:
        return path.read_text()
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None
    except PermissionError as err:
        if not machine_wide:
            raise KeyMissing(
                f"The key file {path} exists but your account cannot read it (it belongs to "
                "another account): sign in as that account, or type the key from the school's "
                f"recovery sheet with {cli_program()} key import. Nothing was changed."
            ) from err
        raise KeyMissing(_not_shared_with_you(path)) from err
    except OSError as err:
        raise KeyMissing(f"The key file {path} cannot be read ({err.strerror or err}).") from err


def _in_group(name: str) -> bool:
    """Is this account a member of the group (POSIX)? False where it cannot be told."""
    try:
        import grp

        gid = grp.getgrnam(name).gr_gid
    except (ImportError, KeyError):
        return False
    return gid == os.getgid() or gid in os.getgroups()


def _not_shared_with_you(path: Path) -> str:
    """Why a machine-wide key file this account may not read is refused, and who fixes it how:
    joining the group helps only an account outside it."""
    from hvdesk import platform

    group = platform.current().key_group
    if not _in_group(group):
        return (
            f"The key file {path} exists but your account cannot read it: ask IT to add you to "
            f"the {group} group (README: Shared office PC: who may read the key). Nothing was "
            "changed and no new key was made."
        )
    folder = path.parent
    return (
        f"The key file {path} exists but your account cannot read it: your account is in the "
        f"{group} group, but the key file (or its folder) is not shared with that group. IT "
        f"runs: sudo chgrp -R {group} {folder}; sudo chmod 2770 {folder}; sudo chmod 0640 {path} "
        "(README: Shared office PC: who may read the key). Nothing was changed and no new key "
        "was made."
    )


def _refuse_open_to_others(path: Path, machine_wide: bool) -> None:
    """On POSIX the file's permissions are the key's only protection: a key file (or its folder)
    that every account of the PC may read, write or enter is no secret, so it is refused and the
    message gives the exact command that closes it."""
    if os.name != "posix":
        return
    sudo = "sudo " if machine_wide else ""
    for place in (path.parent, path):
        try:
            mode = place.stat().st_mode
        except OSError as err:
            raise KeyMissing(f"{place} cannot be checked ({err.strerror or err}).") from err
        if mode & 0o007:
            kind = "folder" if place == path.parent else "file"
            raise KeyMissing(
                f"The key {kind} {place} is open to every account of this PC (mode "
                f"{stat.S_IMODE(mode):04o}), so the database key is not secret there. Close it "
                f"with: {sudo}chmod o-rwx {place} ; then, as anyone may have copied the key, "
                f"change it with {cli_program()} key rotate. Nothing was changed."
            )


def _decoded(text: str, path: Path, target: str) -> str:
    """The key file's key as hex, undoing the platform's protection (DPAPI on Windows)."""
    from hvdesk import key_file_format, platform

    if key_file_format.protection_of(text) == key_file_format.PLAIN:
        return text
    calls = platform.current()
    try:
        return key_file_format.decode(text, calls.key_protection, calls.unprotect)
    except key_file_format.KeyFileUnreadable as err:
        raise KeyMissing(
            f"The key file {path} cannot be read on this PC: {err}. Type the key from the "
            f"school's recovery sheet with: {cli_program()} key import --user ADMIN --db {target}. "
            "Nothing was changed."
        ) from err


def looked_in(target: str) -> str:
    """Where locate() looked, in words, for a message about a missing key."""
    places = [f"the {ENV_KEY} environment variable"]
    if not _is_machine_wide(_target_id(target)):
        places.append("the OS keyring")
    places.append(f"the key file {key_file(target)}")
    return ", ".join(places)


def _write_owner_only(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with contextlib.suppress(OSError):
        os.chmod(path.parent, 0o700)
    fd = os.open(path.with_suffix(".tmp"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text + "\n")
    os.replace(path.with_suffix(".tmp"), path)


def store(target: str, key: bytes) -> DbKey:
    """Keep this key for the database (a new one, or after a rotation). Says where it went."""
    if os.environ.get(ENV_KEY):
        return DbKey(key, f"the {ENV_KEY} environment variable (set it to the new key)", "env")
    tid = _target_id(target)
    if not _is_machine_wide(tid) and _keyring_set(tid, key.hex()):
        return DbKey(key, "the OS keyring", "keyring")
    path = key_file(target)
    try:
        if _is_machine_wide(tid):
            return _store_machine_wide(path, key)
        _write_owner_only(path, key.hex())
    except OSError as err:
        with contextlib.suppress(OSError):
            path.with_suffix(".tmp").unlink(missing_ok=True)
        raise KeyMissing(
            f"The key could not be kept in the key file {path} ({err.strerror or err}); "
            "the key was not changed. Ask IT to check that your account may write to that folder."
        ) from err
    return DbKey(key, f"the owner-only key file {path} (no OS keyring here)", "file")


def _store_machine_wide(path: Path, key: bytes) -> DbKey:
    """The key for every hvdesk user of the PC: protected by the platform (DPAPI on Windows) in a
    folder only the administrators and the hvdesk users group may read; owner-only, with a note
    for IT, until that group exists."""
    from hvdesk import key_file_format, platform

    calls = platform.current()
    access = calls.share_key_folder(path.parent)
    text = key_file_format.encode(key, calls.key_protection, calls.protect)
    partial = path.with_suffix(".tmp")
    partial.unlink(missing_ok=True)  # a left-over file keeps its permissions: start afresh
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    calls.share_key_file(partial, access)
    os.replace(partial, path)
    protected = "" if calls.key_protection == "none" else f", {calls.key_protection}"
    if access.group is None:
        log.warning(access.note)
        return DbKey(key, f"the owner-only key file {path}{protected}", "file", access.note)
    readers = f"readable by the {access.group} group{protected}"
    return DbKey(key, f"the key file {path} ({readers})", "file")


def create(target: str) -> DbKey:
    """A new random key for a database that does not exist yet (or the one already in env).

    A key already kept for this database is never replaced: every backup of it needs that key, so
    a lost or emptied database file must be restored, not started again under a new key.
    """
    found = locate(target)
    if found is not None and found.store == "env":
        return found
    if found is not None:
        raise KeyMissing(
            f"{target}: hvdesk already keeps a key for this database in {found.where}, so the "
            "file was lost or emptied; a new key would make every backup of it unreadable. "
            f"Restore the newest backup ({cli_program()} restore FILE), or give a new file name to start "
            "an empty database."
        )
    return store(target, new_key())
