"""What a database key file holds, and how it says so.

A protected key file says how on its first line, then the protected key in base64:

    hvdesk-key v1 dpapi-machine
    AQAAANCMnd8BFdERjHoAwE/Cl+sBAAAA...

A file with 64 hex digits and nothing else is the plain form: older hvdesk wrote it everywhere, IT
types it from the recovery sheet in Notepad, and Linux still writes it (the file's permissions do the
work there). Both keep opening; a plain file is written protected on the next store where the
platform protects keys. Pure text in and out: the platform's protect/unprotect are passed in.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable

MAGIC = "hvdesk-key v1"
PLAIN = "none"
DPAPI_MACHINE = "dpapi-machine"


class KeyFileUnreadable(ValueError):
    """The file is a key file, but not one this PC can turn back into the key."""


def encode(key: bytes, protection: str, protect: Callable[[bytes], bytes]) -> str:
    """The file text for `key`: plain hex, or the header and the protected key in base64."""
    if protection == PLAIN:
        return key.hex() + "\n"
    blob = base64.b64encode(protect(key)).decode("ascii")
    return f"{MAGIC} {protection}\n{blob}\n"


def protection_of(text: str) -> str:
    """How the file says it is protected ("none" for the plain hex form)."""
    first = text.lstrip().split("\n", 1)[0].strip()
    if not first.startswith(MAGIC):
        return PLAIN
    return first.removeprefix(MAGIC).strip() or PLAIN


def decode(text: str, protection: str, unprotect: Callable[[bytes], bytes]) -> str:
    """The key as hex (checked by keystore.parse_hex), from either form of the file.

    `protection` is what this PC can undo: a DPAPI file met on Linux, or a blob protected on
    another PC, is KeyFileUnreadable (never a new key)."""
    said = protection_of(text)
    if said == PLAIN:
        return text
    if said != protection:
        raise KeyFileUnreadable(f"it is protected with {said}, which this PC cannot undo")
    body = "".join(text.lstrip().split("\n", 1)[1:]).strip()
    try:
        return unprotect(base64.b64decode(body, validate=True)).hex()
    except (binascii.Error, ValueError) as err:
        raise KeyFileUnreadable("its protected key is damaged (not base64)") from err
    except OSError as err:
        raise KeyFileUnreadable(
            f"it was protected on another PC, or is damaged ({err.strerror or err})"
        ) from err
