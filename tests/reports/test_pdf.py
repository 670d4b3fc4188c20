"""The shared PDF helpers (school.reports.pdf)."""

from __future__ import annotations

from reportlab.lib import rl_accel
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import Paragraph

from school.reports.pdf import fitted, styles


def test_a_cell_that_fits_is_the_text_itself_and_never_markup():
    small = styles().small
    name = "O'Brien & <b>Sons</b>"
    width = pdfmetrics.stringWidth(name, small.fontName, small.fontSize)
    assert fitted(name, width, small) == name  # a table draws a string as it is


def test_a_cell_too_wide_is_an_escaped_paragraph_that_wraps():
    small = styles().small
    name = "O'Brien & <b>Sons</b>"
    width = pdfmetrics.stringWidth(name, small.fontName, small.fontSize) - 1
    cell = fitted(name, width, small)
    assert isinstance(cell, Paragraph)
    assert cell.text == "O&#39;Brien &amp; &lt;b&gt;Sons&lt;/b&gt;"
    assert len(cell.breakLines([width]).lines) == 2
    assert isinstance(fitted("two\nlines", 500, small), Paragraph)


def test_reportlab_runs_with_its_c_accelerator():
    # rl_accel is a dependency: without it ReportLab falls back to Python for string widths
    # and number formatting, about a third of a transcript's render time. Its output is the
    # same bytes (checked on 20 bench transcripts when it was added).
    assert type(rl_accel.fp_str).__name__ == "builtin_function_or_method"
