"""Draws the hvdesk icon (a house with a tick) so the PNG/ICO can be regenerated, not hand-edited.

`QT_QPA_PLATFORM=offscreen python resources/make_icon.py`
"""

from pathlib import Path

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QBrush, QColor, QGuiApplication, QImage, QPainter, QPen, QPolygonF

HERE = Path(__file__).resolve().parent / "icons"


def draw(size: int) -> QImage:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    s = size / 64
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QBrush(QColor("#0d47a1")))
    p.drawRoundedRect(0, 0, size, size, 12 * s, 12 * s)
    p.setBrush(QBrush(QColor("#ffffff")))
    house = QPolygonF(
        [
            QPointF(32 * s, 10 * s),
            QPointF(54 * s, 30 * s),
            QPointF(48 * s, 30 * s),
            QPointF(48 * s, 54 * s),
            QPointF(16 * s, 54 * s),
            QPointF(16 * s, 30 * s),
            QPointF(10 * s, 30 * s),
        ]
    )
    p.drawPolygon(house)
    pen = QPen(QColor("#1b8a3a"), 6 * s)
    pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
    p.setPen(pen)
    p.drawPolyline([QPointF(22 * s, 40 * s), QPointF(29 * s, 47 * s), QPointF(43 * s, 32 * s)])
    p.end()
    return image


if __name__ == "__main__":
    app = QGuiApplication([])
    HERE.mkdir(exist_ok=True)
    draw(256).save(str(HERE / "hvdesk.png"))
    draw(64).save(str(HERE / "hvdesk.ico"))
