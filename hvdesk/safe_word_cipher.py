"""Safe words encrypted by hvdesk itself (AES-GCM), on SQLite and PostgreSQL alike.

A safe word is the one secret a member of staff says on the phone when in danger; whoever reads it
from a database dump could defeat the duress check. So the column holds only ciphertext, whatever
the backend does at rest. The AES key is derived (HKDF) from the database key in the keystore, and
is attached to each engine's dialect so two databases in one process never share a key.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import Text
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from hvdesk.errors import HvdeskError

PREFIX = "gcm1:"
_ATTR = "hvdesk_safe_word_cipher"


class SafeWordCipher:
    """Encrypts and decrypts safe words with a key derived from the database key."""

    def __init__(self, key_source: Callable[[], bytes]) -> None:
        self._source = key_source
        self._aead: AESGCM | None = None

    def _cipher(self) -> AESGCM:
        if self._aead is None:
            hkdf = HKDF(hashes.SHA256(), 32, salt=None, info=b"hvdesk safe word v1")
            self._aead = AESGCM(hkdf.derive(self._source()))
        return self._aead

    def encrypt(self, word: str) -> str:
        if word.startswith(PREFIX):
            return word
        nonce = os.urandom(12)
        sealed = self._cipher().encrypt(nonce, word.encode(), b"safe_word")
        return PREFIX + base64.b64encode(nonce + sealed).decode()

    def decrypt(self, stored: str) -> str:
        if not stored.startswith(PREFIX):
            return stored  # written before encryption; the migration encrypts these
        raw = base64.b64decode(stored[len(PREFIX) :])
        try:
            return self._cipher().decrypt(raw[:12], raw[12:], b"safe_word").decode()
        except Exception:  # InvalidTag: another key
            raise HvdeskError(
                "A safe word cannot be read with this database's key (was the key changed "
                "outside hvdesk?). Restore the key from the recovery sheet."
            ) from None


def attach(dialect: Dialect, cipher: SafeWordCipher) -> None:
    setattr(dialect, _ATTR, cipher)


def cipher_of(dialect: Dialect) -> SafeWordCipher:
    cipher: SafeWordCipher | None = getattr(dialect, _ATTR, None)
    if cipher is None:
        raise HvdeskError("No key is set for safe words on this database connection.")
    return cipher


class EncryptedText(TypeDecorator[str]):
    """A Text column stored as AES-GCM ciphertext and read back as the plain word."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None or value == "":
            return value
        return cipher_of(dialect).encrypt(str(value))

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None or value == "":
            return value
        return cipher_of(dialect).decrypt(str(value))
