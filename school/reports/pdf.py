"""What every PDF document shares: the Unicode fonts, the paragraph styles, escaping of user
text, "Page X of Y" with an optional watermark, and a QR code drawn as one path.

Renderers are pure: frozen dataclass in, bytes out (DESIGN.md §3 rule 5). Fonts and styles
are made once per process.
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import segno
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    Image,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"
FONT, BOLD, ITALIC = "DejaVuSans", "DejaVuSans-Bold", "DejaVuSans-Oblique"
INK = colors.HexColor("#1d2630")
MUTED = colors.HexColor("#5b6670")
LINE = colors.HexColor("#c9d1d8")
ACCENT = colors.HexColor("#1f5f8b")
ZEBRA = colors.HexColor("#f3f6f8")
MARGIN = 0.7 * inch


@functools.cache
def register_fonts() -> None:
    """DejaVu Sans (Latin, Greek, Cyrillic, Hebrew, Arabic and more), embedded as a subset
    in each document, so names in any of those scripts print as written."""
    for name, file in (
        (FONT, "DejaVuSans.ttf"),
        (BOLD, "DejaVuSans-Bold.ttf"),
        (ITALIC, "DejaVuSans-Oblique.ttf"),
    ):
        pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / file)))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=ITALIC, boldItalic=BOLD)


@dataclass(frozen=True)
class Styles:
    body: ParagraphStyle
    small: ParagraphStyle
    muted: ParagraphStyle
    title: ParagraphStyle
    h2: ParagraphStyle
    cell: ParagraphStyle
    cell_right: ParagraphStyle
    head: ParagraphStyle


@functools.cache
def styles() -> Styles:
    register_fonts()
    body = ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=12.5, textColor=INK)
    return Styles(
        body=body,
        small=ParagraphStyle("small", parent=body, fontSize=8, leading=10),
        muted=ParagraphStyle("muted", parent=body, fontSize=8, leading=10, textColor=MUTED),
        title=ParagraphStyle(
            "title", parent=body, fontName=BOLD, fontSize=15, leading=19, spaceAfter=2
        ),
        h2=ParagraphStyle(
            "h2",
            parent=body,
            fontName=BOLD,
            fontSize=11,
            leading=14,
            spaceBefore=10,
            spaceAfter=4,
            textColor=ACCENT,
        ),
        cell=ParagraphStyle("cell", parent=body, fontSize=8.5, leading=10.5),
        cell_right=ParagraphStyle(
            "cell_right", parent=body, fontSize=8.5, leading=10.5, alignment=TA_RIGHT
        ),
        head=ParagraphStyle(
            "head", parent=body, fontName=BOLD, fontSize=8, leading=10, textColor=MUTED
        ),
    )


def e(value: object) -> str:
    """User text made safe for ReportLab's paragraph markup (<, >, & and quotes)."""
    return escape("" if value is None else str(value), {'"': "&quot;", "'": "&#39;"})


def p(text: str, style: ParagraphStyle | None = None) -> Paragraph:
    """A paragraph of markup the caller built (user text already passed through :func:`e`)."""
    return Paragraph(text, style or styles().body)


def style_value_axis(axis: Any, *, maximum: float, step: float) -> None:
    """A chart's value axis from 0 to ``maximum`` in the documents' style: muted labels and
    line, light grid lines at every ``step``."""
    axis.valueMin = 0
    axis.valueMax = maximum
    axis.valueStep = step
    axis.labels.fontName = FONT
    axis.labels.fontSize = 7.5
    axis.labels.fillColor = MUTED
    axis.strokeColor = MUTED
    axis.visibleGrid = 1
    axis.gridStrokeColor = LINE
    axis.gridStrokeWidth = 0.4


def fitted(text: str, width: float, style: ParagraphStyle) -> str | Paragraph:
    """A table cell of plain user text: the text itself when it fits on one line ``width``
    points wide (a table draws a string as it is, never reading it as markup), else a
    paragraph of it, escaped, that wraps. A paragraph costs far more to lay out; for a
    string the table's own font, size and leading must match ``style``'s."""
    if "\n" not in text and pdfmetrics.stringWidth(text, style.fontName, style.fontSize) <= width:
        return text
    return p(e(text), style)


def table(
    rows: Sequence[Sequence[Any]],
    widths: Sequence[float],
    *,
    right: Sequence[int] = (),
    repeat: int = 1,
) -> Table:
    """A data table: header row(s) repeated on every page it flows onto, light zebra rows;
    ``right`` lists the columns aligned right (numbers)."""
    t = Table(list(rows), colWidths=list(widths), repeatRows=repeat)
    commands: list[tuple[Any, ...]] = [
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("FONTSIZE", (0, 0), (-1, -1), 8.5),
        ("FONTNAME", (0, 0), (-1, repeat - 1), BOLD),
        ("TEXTCOLOR", (0, 0), (-1, repeat - 1), MUTED),
        ("FONTSIZE", (0, 0), (-1, repeat - 1), 8),
        ("LINEBELOW", (0, repeat - 1), (-1, repeat - 1), 0.8, INK),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("ROWBACKGROUNDS", (0, repeat), (-1, -1), [colors.white, ZEBRA]),
    ]
    for column in right:
        commands.append(("ALIGN", (column, 0), (column, -1), "RIGHT"))
    t.setStyle(TableStyle(commands))
    return t


def document_header(
    *, school: str, address: str, title: str, subtitle: str, logo: str | None = None
) -> list[Flowable]:
    """The top of every document: the school (logo, name, address) on the left, the title
    and a line about this copy on the right, a rule under both. ``subtitle`` is markup (user
    text in it already escaped)."""
    s = styles()
    left: list[Flowable] = [p(f"<b>{e(school)}</b>", s.body)] if school else []
    if address:
        left.append(p(e(address).replace("\n", "<br/>"), s.muted))
    if logo:
        image = Image(logo, width=0.9 * inch, height=0.9 * inch, kind="proportional")
        left = [
            Table(
                [[image, left]],
                colWidths=[1.0 * inch, 2.4 * inch],
                style=[("VALIGN", (0, 0), (-1, -1), "TOP"), ("LEFTPADDING", (0, 0), (-1, -1), 0)],
            )
        ]
    head = Table(
        [[left, [p(e(title), s.title), p(subtitle, s.muted)]]], colWidths=[3.5 * inch, 3.6 * inch]
    )
    head.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("LINEBELOW", (0, 0), (-1, 0), 1.2, MUTED),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
            ]
        )
    )
    return [head, Spacer(1, 8)]


class QRCode(Flowable):
    """A QR code of ``data`` drawn as a single filled path (fast to draw and to render),
    with its quiet zone; ``size`` is the printed width in points."""

    def __init__(self, data: str, size: float = 1.1 * inch) -> None:
        super().__init__()
        self.data = data
        self.size = size
        self.matrix = qr_matrix(data)
        self.width = self.height = size

    def draw(self) -> None:
        draw_qr(self.canv, self.matrix, 0, 0, self.size)


@functools.lru_cache(maxsize=64)
def qr_matrix(data: str) -> tuple[tuple[bool, ...], ...]:
    """The QR modules (error correction M, quiet zone of 4 modules included)."""
    code = segno.make_qr(data, error="m", boost_error=False)
    return tuple(tuple(bool(v) for v in row) for row in code.matrix_iter(scale=1, border=4))


def draw_qr(
    canvas: Canvas, matrix: tuple[tuple[bool, ...], ...], x: float, y: float, size: float
) -> None:
    """Draw the dark modules as one path of rectangles, merging runs along each row."""
    n = len(matrix)
    cell = size / n
    path = canvas.beginPath()
    for r, row in enumerate(matrix):
        top = y + size - (r + 1) * cell
        c = 0
        while c < n:
            if row[c]:
                start = c
                while c < n and row[c]:
                    c += 1
                path.rect(x + start * cell, top, (c - start) * cell, cell)
            else:
                c += 1
    canvas.saveState()
    canvas.setFillColor(colors.black)
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()


@dataclass(frozen=True)
class Frame:
    """What every page carries: the running footer text, and a watermark if any."""

    footer: str
    watermark: str | None = None


def numbered_canvas(frame: Frame) -> type[Canvas]:
    """A canvas class that, once the page count is known, writes "Page X of Y" and the
    footer on every page (and the watermark across it)."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._decorate(total)
                super().showPage()
            super().save()

        def _decorate(self, total: int) -> None:
            width, _height = self._pagesize
            self.saveState()
            if frame.watermark:
                self.setFont(BOLD, 72)
                self.setFillColor(colors.Color(0.75, 0.1, 0.1, alpha=0.13))
                self.translate(width / 2, _height / 2)
                self.rotate(40)
                self.drawCentredString(0, -24, frame.watermark)
                self.rotate(-40)
                self.translate(-width / 2, -_height / 2)
            self.setFont(FONT, 7.5)
            self.setFillColor(MUTED)
            self.setStrokeColor(LINE)
            self.line(MARGIN, 0.55 * inch, width - MARGIN, 0.55 * inch)
            self.drawString(MARGIN, 0.4 * inch, frame.footer)
            self.drawRightString(width - MARGIN, 0.4 * inch, f"Page {self._pageNumber} of {total}")
            self.restoreState()

    return NumberedCanvas


def build(
    story: list[Flowable],
    *,
    title: str,
    frame: Frame,
    on_first_page: Callable[[Canvas, Any], None] | None = None,
    compress: bool = True,
) -> bytes:
    """Lay ``story`` out on letter pages and return the PDF bytes. ``invariant`` output:
    no creation time or random id in the file, so the same input gives the same bytes."""
    register_fonts()
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=LETTER,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=0.8 * inch,
        title=title,
        author="",
        creator="school",
        pageCompression=1 if compress else 0,
        invariant=1,
    )
    noop = on_first_page or (lambda canvas, doc: None)
    doc.build(
        story,
        onFirstPage=noop,
        onLaterPages=lambda canvas, doc: None,
        canvasmaker=numbered_canvas(frame),
    )
    return out.getvalue()


PAGE_RE = re.compile(rb"/Type\s*/Page(?![a-zA-Z])")


def page_count(pdf: bytes) -> int:
    """Pages of a PDF ReportLab wrote (its page objects are never compressed)."""
    return len(PAGE_RE.findall(pdf))
