"""Paragraph styles and the few building blocks every form is made of.

Everything a person typed goes through `text()` (escaped, newlines kept) so an '&' in an address or a
'<' in a note can never break the layout. Tables wrap their cells in Paragraphs, repeat their header
row on every page and may split a very tall row, so nothing is ever cut off.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from hvdesk.printing.base import FONT, FONT_BOLD, MARGIN

INK = colors.HexColor("#111111")
SHADE = colors.HexColor("#EDEDED")
HEAD = colors.HexColor("#D9E2EC")
LINE = colors.HexColor("#888888")
MUTED = colors.HexColor("#666666")
WARN = colors.HexColor("#A00000")

Cell = str | Any  # text, or a ReportLab Flowable as it is


def content_width(wide: bool = False) -> float:
    """Width of the text frame on A4 portrait, or landscape when wide."""
    page = landscape(A4) if wide else A4
    return float(page[0] - 2 * MARGIN)


def _style(name: str, **kw: object) -> ParagraphStyle:
    base: dict[str, object] = {"fontName": FONT, "fontSize": 10, "leading": 13, "textColor": INK}
    base.update(kw)
    return ParagraphStyle(name, **base)


TITLE = _style("title", fontName=FONT_BOLD, fontSize=16, leading=20, spaceAfter=2 * mm)
SUBTITLE = _style("subtitle", fontSize=10, leading=13, textColor=MUTED, spaceAfter=4 * mm)
HEADING = _style(
    "heading", fontName=FONT_BOLD, fontSize=11.5, leading=14, spaceBefore=4 * mm, spaceAfter=2 * mm
)
BODY = _style("body", spaceAfter=2.5 * mm)
BODY_RIGHT = _style("body_right", alignment=TA_RIGHT)
BIG = _style("big", fontSize=12, leading=16, spaceAfter=3 * mm)
CELL = _style("cell", fontSize=9, leading=11.2)
CELL_SMALL = _style("cell_small", fontSize=8.3, leading=10.2)
CELL_HEAD = _style("cell_head", fontName=FONT_BOLD, fontSize=8.5, leading=10.5)
LABEL = _style("label", fontName=FONT_BOLD, fontSize=9, leading=11.2, textColor=colors.black)
NOTICE = _style(
    "notice", fontName=FONT_BOLD, fontSize=10.5, leading=14, textColor=WARN, spaceAfter=3 * mm
)
SLIP_TITLE = _style(
    "slip_title",
    fontName=FONT_BOLD,
    fontSize=20,
    leading=25,
    alignment=TA_CENTER,
    spaceAfter=3 * mm,
)


def text(value: object, *, blank: str = "") -> str:
    """Paragraph markup for a plain value: escaped, with line breaks kept."""
    s = "" if value is None else str(value).strip()
    if not s:
        return blank
    return escape(s).replace("\r\n", "\n").replace("\n", "<br/>")


def para(value: object, style: ParagraphStyle = BODY, *, markup: bool = False) -> Paragraph:
    """A Paragraph of plain text (escaped) or, with markup=True, of trusted markup."""
    return Paragraph(str(value) if markup else text(value), style)


def title_block(title: str, subtitle: str = "") -> list[Flowable]:
    out: list[Flowable] = [Paragraph(text(title), TITLE)]
    if subtitle:
        out.append(Paragraph(text(subtitle), SUBTITLE))
    return out


def heading(title: str) -> Paragraph:
    p = Paragraph(text(title), HEADING)
    p.keepWithNext = True
    return p


def _cell(value: Cell, style: ParagraphStyle, blank: str = "—") -> Flowable:
    return value if isinstance(value, Flowable) else Paragraph(text(value, blank=blank), style)


_GRID = [
    ("FONTNAME", (0, 0), (-1, -1), FONT),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ("GRID", (0, 0), (-1, -1), 0.5, LINE),
    ("LEFTPADDING", (0, 0), (-1, -1), 4),
    ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ("TOPPADDING", (0, 0), (-1, -1), 3),
    ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
]


LABEL_WIDTH = 34 * mm


def fields_table(
    rows: Sequence[tuple[str, Cell]], width: float, *, label_width: float = LABEL_WIDTH
) -> Table:
    """Label | value rows, the shape of most paper forms; for values that need the full width."""
    data = [[Paragraph(text(label), LABEL), _cell(value, CELL)] for label, value in rows]
    table = Table(data, colWidths=[label_width, width - label_width], splitInRow=30, hAlign="LEFT")
    table.setStyle(TableStyle([*_GRID, ("BACKGROUND", (0, 0), (0, -1), SHADE)]))
    return table


def pairs_table(
    pairs: Sequence[tuple[str, Cell]], width: float, *, label_width: float = LABEL_WIDTH
) -> Table:
    """Short label | value pairs two to a row, so a form stays on one page.

    The first label column lines up with fields_table's, so the two stack as one ruled block.
    """
    value_width = width / 2 - label_width
    data: list[list[Flowable | str]] = []
    for i in range(0, len(pairs), 2):
        row: list[Flowable | str] = []
        for label, value in pairs[i : i + 2]:
            row += [Paragraph(text(label), LABEL), _cell(value, CELL)]
        data.append(row + ["", ""] * (2 - len(row) // 2))
    style = [
        *_GRID,
        ("BACKGROUND", (0, 0), (0, -1), SHADE),
        ("BACKGROUND", (2, 0), (2, -1), SHADE),
    ]
    if len(pairs) % 2:
        style += [("SPAN", (1, -1), (3, -1)), ("BACKGROUND", (2, -1), (2, -1), colors.white)]
    table = Table(
        data,
        colWidths=[label_width, value_width, label_width, value_width],
        splitInRow=30,
        hAlign="LEFT",
    )
    table.setStyle(TableStyle(style))
    return table


def grid_table(
    header: Sequence[str],
    rows: Sequence[Sequence[Cell]],
    col_widths: Sequence[float],
    *,
    muted_rows: Sequence[int] = (),
    cell_style: ParagraphStyle | None = None,
    blank: str = "—",
    row_height: float | None = None,
) -> Table:
    """A data table whose header row repeats on every page it flows onto.

    `blank` fills empty cells; pass "" (and a row_height) for columns written in by hand.
    """
    style_ = cell_style or CELL
    data: list[list[Flowable]] = [[Paragraph(text(h), CELL_HEAD) for h in header]]
    data += [[_cell(v, style_, blank) for v in row] for row in rows]
    table = Table(
        data,
        colWidths=list(col_widths),
        repeatRows=1,
        splitInRow=30,
        hAlign="LEFT",
        minRowHeights=[0, *[row_height] * len(rows)] if row_height else None,
    )
    style = [*_GRID, ("BACKGROUND", (0, 0), (-1, 0), HEAD)]
    for r in muted_rows:
        style.append(("BACKGROUND", (0, r + 1), (-1, r + 1), SHADE))
    table.setStyle(TableStyle(style))
    return table


def write_in(
    labels: Sequence[tuple[str, str]], width: float, *, label_width: float = 45 * mm
) -> Table:
    """Lines to write on by hand ('Signed: ______'); a value already known is printed on its line."""
    data = [
        [Paragraph(text(label), LABEL), Paragraph(text(value), CELL)] for label, value in labels
    ]
    table = Table(
        data,
        colWidths=[label_width, width - label_width],
        rowHeights=[8.5 * mm] * len(data),
        hAlign="LEFT",
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "BOTTOM"),
                ("LINEBELOW", (1, 0), (1, -1), 0.6, INK),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ]
        )
    )
    return table


def boxed(flowables: Sequence[Flowable], width: float) -> Table:
    """A ruled box around a block that must stay on one page (declarations, signature blocks)."""
    table = Table([[list(flowables)]], colWidths=[width], hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 0.8, INK),
                ("LEFTPADDING", (0, 0), (-1, -1), 4 * mm),
                ("RIGHTPADDING", (0, 0), (-1, -1), 4 * mm),
                ("TOPPADDING", (0, 0), (-1, -1), 3 * mm),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4 * mm),
            ]
        )
    )
    return table


class CutLine(Flowable):
    """A dashed 'cut here' line across the frame, for slips printed two to a page."""

    def __init__(self, width: float) -> None:
        super().__init__()
        self.width, self.height = width, 4 * mm

    def draw(self) -> None:
        c = self.canv
        label = "✂  cut here"
        label_w = c.stringWidth(label, FONT, 8) + 4 * mm
        mid = self.width / 2
        c.saveState()
        c.setStrokeColor(MUTED)
        c.setDash(3, 3)
        c.line(0, self.height / 2, mid - label_w / 2, self.height / 2)
        c.line(mid + label_w / 2, self.height / 2, self.width, self.height / 2)
        c.setFont(FONT, 8)
        c.setFillColor(MUTED)
        c.drawCentredString(mid, self.height / 2 - 3, label)
        c.restoreState()


def keep(*flowables: Flowable) -> KeepTogether:
    return KeepTogether(list(flowables))


def gap(height_mm: float = 3) -> Spacer:
    return Spacer(1, height_mm * mm)
