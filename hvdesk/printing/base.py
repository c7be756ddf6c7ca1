"""The page every form shares: A4, school name and logo at the top, 'Printed ... page x of y' below.

Fonts are DejaVu Sans from resources/fonts (embedded, so names such as 'Zoë Brontë-Núñez' print on
any PC). The page total comes from a canvas that holds pages back until the end: one layout pass,
not two, which keeps a day sheet well under half a second.
"""

from __future__ import annotations

import io
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageTemplate

from hvdesk.clock import fmt_datetime_any_zone
from hvdesk.resources import resource_path

log = logging.getLogger(__name__)

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
FONT_FILES = {FONT: "DejaVuSans.ttf", FONT_BOLD: "DejaVuSans-Bold.ttf"}

MARGIN = 15 * mm
HEADER_HEIGHT = 18 * mm  # logo and school name, above the frame
FOOTER_HEIGHT = 10 * mm
GREY = colors.HexColor("#555555")
RULE = colors.HexColor("#999999")

_fonts_lock = threading.Lock()
_fonts_ready = False


def register_fonts() -> None:
    """Register DejaVu once per process (thread-safe: forms are made off the GUI thread)."""
    global _fonts_ready
    if _fonts_ready:
        return
    with _fonts_lock:
        if _fonts_ready:
            return
        for name, filename in FONT_FILES.items():
            path = resource_path("fonts", filename)
            if not path.is_file():
                raise FileNotFoundError(
                    f"Font {path} is missing; reinstall hvdesk (resources/fonts is part of it)."
                )
            pdfmetrics.registerFont(TTFont(name, str(path)))
        # No italic face is shipped: <i> falls back to the regular face rather than failing.
        pdfmetrics.registerFontFamily(
            FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD
        )
        _fonts_ready = True


@dataclass
class Letterhead:
    """What the top and bottom of every page show."""

    school_name: str
    printed_at: datetime
    logo_path: str = ""
    phone: str = ""
    address: str = ""
    _logo: ImageReader | None = field(default=None, init=False, repr=False)
    _logo_tried: bool = field(default=False, init=False, repr=False)

    @property
    def printed_text(self) -> str:
        return f"Printed {fmt_datetime_any_zone(self.printed_at)}"

    def logo(self) -> ImageReader | None:
        """The logo image, or None when unset or unreadable (a bad logo must not stop a print)."""
        if not self._logo_tried:
            self._logo_tried = True
            if self.logo_path:
                try:
                    self._logo = ImageReader(str(Path(self.logo_path).expanduser()))
                except Exception as err:  # any unreadable image: print without it
                    log.warning("School logo %s not used: %s", self.logo_path, err)
        return self._logo


class NumberedCanvas(Canvas):
    """Holds every page until save() so the footer can say 'page x of y'."""

    def __init__(self, *args: Any, footer_left: str = "", footer_right: str = "", **kw: Any):
        super().__init__(*args, **kw)
        self._pages: list[dict[str, Any]] = []
        self._footer_left = footer_left
        self._footer_right = footer_right

    def showPage(self) -> None:
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._draw_footer(total)
            super().showPage()
        super().save()

    def _draw_footer(self, total: int) -> None:
        width, _ = self._pagesize
        y = MARGIN - 6 * mm
        self.saveState()
        self.setStrokeColor(RULE)
        self.setLineWidth(0.5)
        self.line(MARGIN, y + 4 * mm, width - MARGIN, y + 4 * mm)
        self.setFont(FONT, 7.5)
        self.setFillColor(GREY)
        self.drawString(MARGIN, y, self._footer_left)
        self.drawRightString(
            width - MARGIN, y, f"{self._footer_right} — page {self._pageNumber} of {total}"
        )
        self.restoreState()


class FormDocument(BaseDocTemplate):
    """A4 (portrait or landscape) with the shared header; the canvas adds the footer."""

    def __init__(
        self,
        target: Any,
        letterhead: Letterhead,
        title: str,
        *,
        wide: bool = False,
        confidential: bool = False,
    ) -> None:
        pagesize = landscape(A4) if wide else A4
        super().__init__(
            target,
            pagesize=pagesize,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN + HEADER_HEIGHT,
            bottomMargin=MARGIN + FOOTER_HEIGHT - 4 * mm,
            title=title,
            author=letterhead.school_name,
            subject=title,
            creator="hvdesk",
        )
        self.letterhead = letterhead
        self.form_title = title
        self.confidential = confidential
        frame = Frame(
            self.leftMargin,
            self.bottomMargin,
            self.width,
            self.height,
            id="body",
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
        )
        self.addPageTemplates([PageTemplate(id="form", frames=[frame], onPage=self._header)])

    def _header(self, canv: Canvas, doc: BaseDocTemplate) -> None:
        width, height = self.pagesize
        top = height - MARGIN
        x = MARGIN
        canv.saveState()
        logo = self.letterhead.logo()
        if logo is not None:
            iw, ih = logo.getSize()
            h = 14 * mm
            w = min(h * iw / ih, 40 * mm) if ih else h
            canv.drawImage(
                logo, x, top - h, w, h, preserveAspectRatio=True, anchor="w", mask="auto"
            )
            x += w + 4 * mm
        canv.setFont(FONT_BOLD, 12.5)
        canv.drawString(x, top - 6 * mm, self.letterhead.school_name)
        canv.setFont(FONT, 8)
        canv.setFillColor(GREY)
        contact = " · ".join(p for p in (self.letterhead.address, self.letterhead.phone) if p)
        if contact:
            canv.drawString(x, top - 11 * mm, contact)
        right = width - MARGIN
        canv.drawRightString(right, top - 6 * mm, self.form_title)
        if self.confidential:
            canv.setFont(FONT_BOLD, 8)
            canv.setFillColor(colors.HexColor("#a00000"))
            canv.drawRightString(right, top - 11 * mm, "CONFIDENTIAL")
        canv.setStrokeColor(RULE)
        canv.setLineWidth(0.75)
        canv.line(MARGIN, top - HEADER_HEIGHT + 2 * mm, right, top - HEADER_HEIGHT + 2 * mm)
        canv.restoreState()


def render(
    story: Sequence[Flowable],
    letterhead: Letterhead,
    title: str,
    *,
    wide: bool = False,
    confidential: bool = False,
) -> tuple[bytes, int]:
    """Lay out the story on the shared page; return the PDF bytes and the number of pages."""
    register_fonts()
    buffer = io.BytesIO()
    doc = FormDocument(buffer, letterhead, title, wide=wide, confidential=confidential)
    maker = partial(
        NumberedCanvas,
        footer_left=f"{title} · {letterhead.school_name}",
        footer_right=letterhead.printed_text,
    )
    doc.build(list(story), canvasmaker=maker)
    return buffer.getvalue(), doc.page
