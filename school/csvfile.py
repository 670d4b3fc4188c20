"""CSV files people open in spreadsheets: RFC 4180, formula cells neutralised."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: object) -> str:
    """A cell a spreadsheet will not run as a formula: text that begins with = + - @, a tab
    or a carriage return gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(DANGEROUS_FIRST) else text


def csv_text(header: Sequence[str], rows: Iterable[Sequence[object]], *, bom: bool = True) -> str:
    """RFC 4180: CRLF line ends, fields quoted when they hold a comma, quote or line break;
    by default a UTF-8 byte-order mark first so that spreadsheet programs read accents right
    (machine-read reports leave it out)."""
    out = io.StringIO()
    if bom:
        out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(header)
    for row in rows:
        writer.writerow([neutralise(v) for v in row])
    return out.getvalue()
