"""What the documents' tests share: the command-line PDF tools they need, and the text of a
PDF as pypdf extracts it, in the shape each test reads it."""

from __future__ import annotations

import io
import os
import shutil
import unicodedata

import pytest
from pypdf import PdfReader


def need(tool: str) -> str:
    """The path of a command-line tool (qpdf, pdftoppm, zbarimg); the test is skipped without
    it, or fails on CI, where it must be installed."""
    path = shutil.which(tool)
    if path is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{tool} is missing on CI (scripts/ensure-pdf-tools installs it)")
        pytest.skip(f"{tool} is not installed here (scripts/ensure-pdf-tools installs it)")
    return path


def page_texts(pdf: bytes) -> list[str]:
    """Each page's text, as extracted."""
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def document_text(pdf: bytes) -> str:
    """Every page's text, one page after the other, in Unicode's composed form (NFC: an
    accented letter extracted as a letter and a combining accent compares equal to the
    letter typed in a test)."""
    return unicodedata.normalize("NFC", "\n".join(page_texts(pdf)))


def flat_text(pdf: bytes) -> str:
    """Every page's text on one line, white space collapsed (cells wrap and lines break
    anywhere)."""
    pages = PdfReader(io.BytesIO(pdf)).pages
    return " ".join(" ".join((page.extract_text() or "").split()) for page in pages)
