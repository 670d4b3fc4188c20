"""Documents sent to the browser: a server-chosen file name, the right type, never cached."""

from __future__ import annotations

import re

from flask import Response

UNSAFE_IN_FILENAME = re.compile(r"[^A-Za-z0-9-]+")
DOWNLOAD_TYPES = {"pdf": "application/pdf", "csv": "text/csv"}


def safe_stem(stem: str, default: str = "document") -> str:
    """A file name stem of letters, digits and dashes only (never a path, a quote or a
    header break), at most 80 characters."""
    return UNSAFE_IN_FILENAME.sub("-", stem).strip("-")[:80] or default


def download(body: bytes | str, stem: str, ext: str, *, inline: bool = False) -> Response:
    """A document for the browser to save (or show, ``inline``): a server-chosen file name,
    the right type, never cached."""
    data = body.encode("utf-8") if isinstance(body, str) else body
    disposition = "inline" if inline else "attachment"
    return Response(
        data,
        mimetype=DOWNLOAD_TYPES[ext],
        headers={
            "Content-Disposition": f'{disposition}; filename="{safe_stem(stem)}.{ext}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
