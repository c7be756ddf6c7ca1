"""The recovery sheet: the database key on paper, for the head to keep in the school safe.

If the PC dies, or its keyring is wiped, the encrypted database and every backup can only be opened
with this key. It is printed once at set-up (and after a key rotation): the key as text in groups a
person can type back, and as a QR code, with what to do with it.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Spacer

from hvdesk.keystore import ENV_KEY, DbKey
from hvdesk.printing.base import Letterhead, register_fonts, render
from hvdesk.printing.styles import (
    BIG,
    BODY,
    NOTICE,
    content_width,
    fields_table,
    heading,
    para,
    title_block,
)

TITLE = "Database recovery sheet"


def key_groups(key: DbKey) -> str:
    """64 hex digits in 8 groups of 8, easy to read aloud and type back."""
    hexed = key.hex
    return " ".join(hexed[i : i + 8] for i in range(0, len(hexed), 8))


def qr(value: str, size: float = 55 * mm) -> Drawing:
    widget = QrCodeWidget(value)
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    return drawing


def build(key: DbKey, database: str) -> list[Flowable]:
    return [
        *title_block(
            TITLE, "Keep this sheet in the school safe. Anyone holding it can read the data."
        ),
        fields_table(
            [("Database", database), ("Key kept on this PC in", key.where)], content_width()
        ),
        heading("The key"),
        para(key_groups(key), BIG),
        qr(key.hex),
        Spacer(1, 4 * mm),
        heading("When you need it"),
        para(
            "hvdesk says the database is encrypted and it has no key (a new PC, a reinstalled "
            "Windows, a restored backup on another machine). On that PC run "
            "hvdesk key import --user ADMIN (on Windows: hvdesk-cli key import --user ADMIN) "
            "and type the key when asked (spaces do not matter); "
            f"on a server, set {ENV_KEY} to it. Then start hvdesk again.",
            BODY,
        ),
        para(
            "If the key is changed (hvdesk key rotate), this sheet no longer opens the database "
            "or new backups, but backups taken before the change still need it: print the new "
            "sheet, mark this one 'old key' and keep it with those backups until they are gone.",
            NOTICE,
        ),
    ]


def write(path: Path, key: DbKey, database: str, school: str, now: datetime) -> int:
    """Write the sheet as a PDF; returns the number of pages."""
    register_fonts()  # the story's paragraphs need the fonts before render() lays them out
    data, pages = render(build(key, database), Letterhead(school, now), TITLE, confidential=True)
    # The key opens every record: readable by this user only, however the folder is shared
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o600)
    with os.fdopen(fd, "wb") as handle:
        os.chmod(path, 0o600)  # a file that already existed keeps its mode through O_TRUNC
        handle.write(data)
    return pages
