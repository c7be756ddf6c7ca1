"""Channel secrets (SMTP password, SMS token): never in the database, a log or a printout.

Where they come from, in order: the OS keyring (Windows Credential Manager, macOS Keychain, Secret
Service); an environment variable (HVDESK_SMTP_PASSWORD, HVDESK_SMS_TOKEN), for a headless Linux
server with no keyring (keyring raises NoKeyringError there); an owner-only file (mode 0600,
`secrets.json` in the data folder, or HVDESK_SECRETS_FILE). A file others can read is refused, so a
secret is never used from a place it leaked to. `settings list` shows the source, never the value.
"""

from __future__ import annotations

import json
import os
import stat
import sys
from dataclasses import dataclass
from pathlib import Path

import keyring
from keyring.errors import KeyringError

from hvdesk.config import data_dir
from hvdesk.errors import HvdeskError

SERVICE = "hvdesk"
SECRETS: dict[str, str] = {
    "smtp.password": "HVDESK_SMTP_PASSWORD",
    "sms.token": "HVDESK_SMS_TOKEN",
}


@dataclass(frozen=True)
class Secret:
    name: str
    value: str
    source: str  # "keyring" | "environment HVDESK_..." | "file /path" | "not set"

    def __repr__(self) -> str:  # never print the value by accident
        return f"Secret({self.name!r}, source={self.source!r})"


def secrets_file() -> Path:
    override = os.environ.get("HVDESK_SECRETS_FILE")
    return Path(override) if override else data_dir() / "secrets.json"


def _check_name(name: str) -> None:
    if name not in SECRETS:
        raise HvdeskError(f"unknown secret {name!r}; secrets are {', '.join(SECRETS)}")


def _from_keyring(name: str) -> str | None:
    try:
        return keyring.get_password(SERVICE, name)
    except (KeyringError, RuntimeError):
        return None  # no keyring on this machine (a headless server): the next source decides


def _owner_only(path: Path) -> bool:
    if sys.platform == "win32":
        return True  # the file is in the user's own profile; Windows ACLs, not mode bits
    return stat.S_IMODE(path.stat().st_mode) & 0o077 == 0


def _read_file(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    if not _owner_only(path):
        raise HvdeskError(
            f"secrets file {path} can be read by other users; run `chmod 600 {path}` and try again"
        )
    try:
        data = json.loads(path.read_text(encoding="utf-8") or "{}")
    except ValueError:
        raise HvdeskError(
            f"{path} is not valid JSON; fix it or delete it and set the secrets again"
        ) from None
    return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}


def get_secret(name: str) -> Secret:
    _check_name(name)
    value = _from_keyring(name)
    if value:
        return Secret(name, value, "keyring")
    env = SECRETS[name]
    if os.environ.get(env):
        return Secret(name, os.environ[env], f"environment {env}")
    path = secrets_file()
    value = _read_file(path).get(name)
    if value:
        return Secret(name, value, f"file {path}")
    return Secret(name, "", "not set")


def set_secret(name: str, value: str) -> str:
    """Store a secret in the keyring, or (no keyring) the owner-only file. Returns where."""
    _check_name(name)
    try:
        keyring.set_password(SERVICE, name, value)
        return "keyring"
    except (KeyringError, RuntimeError):
        pass
    path = secrets_file()
    data = _read_file(path)
    data[name] = value
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle)
    os.chmod(path, 0o600)
    return f"file {path}"
