"""The PDF renderers are pure (DESIGN.md §3 rule 5): each document is rendered from its
frozen data alone, outside any app context. The data is built inside one, with the school's
date pattern set to a non-default one, and carries that pattern (or the dates it already
wrote) to the renderer: the document shows the school's format, not the default."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import has_app_context

from school.certifications.models import AwardedCredential
from school.database import utcnow
from school.extensions import db
from school.reports.letter import letter_data, render_letter
from school.reports.outcome_report import render_outcome_report
from school.reports.placement.data import placement_report_data
from school.reports.placement.pdf import render_placement_report
from school.reports.transcript.data import transcripts_data
from school.reports.transcript.pdf import render_transcript
from tests.factories import make_cohort, make_enrollment
from tests.reports.pdf_tools import document_text
from tests.reports.placement_cohort import T, hand_built_cohort
from tests.reports.test_letter import CONFIRMED_TWO_DAYS, TODAY, _award
from tests.reports.test_outcome_report import THRESHOLDS, _report, _school

PATTERN = "%d/%m/%Y"


@pytest.fixture
def school_pattern(app, monkeypatch):
    monkeypatch.setitem(app.config, "DATE_FORMAT", PATTERN)  # the app is shared: put back after
    return app


def _outside(pdf_of) -> bytes:
    """Render outside any app context and check it is a PDF."""
    assert not has_app_context()
    pdf = pdf_of()
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    return pdf


def test_transcript_renders_from_its_data_alone(school_pattern):
    app = school_pattern
    with app.app_context():
        enrollment = make_enrollment(cohort=make_cohort(start=dt.date(2026, 9, 14)))
        db.session.commit()
        data = transcripts_data([enrollment.id], utcnow())[enrollment.id]
    assert data.date_format == PATTERN
    text = document_text(_outside(lambda: render_transcript(data)))
    assert "14/09/2026" in text


def test_placement_report_renders_from_its_data_alone(school_pattern):
    app = school_pattern
    cohort_id = hand_built_cohort(app)
    with app.app_context():
        data = placement_report_data(cohort_id, T)
    text = document_text(_outside(lambda: render_placement_report(data)))
    assert "01/05/2027" in text  # as of


def test_experience_letter_renders_from_its_data_alone(school_pattern):
    app = school_pattern
    ids = _award(app, name="Ann Lee", logs=CONFIRMED_TWO_DAYS)
    with app.app_context():
        data = letter_data(db.session.get(AwardedCredential, ids["award"]), TODAY)
    text = document_text(_outside(lambda: render_letter(data)))
    assert "06/10/2026 – 26/02/2027" in text and "01/08/2027" in text


def test_outcome_report_renders_from_its_data_alone(school_pattern):
    app = school_pattern
    _school(app)
    report = _report(app)
    with app.app_context():
        config = app.config
        options = {"school": config["SCHOOL_NAME"], "date_format": config["DATE_FORMAT"]}
    text = document_text(_outside(lambda: render_outcome_report(report, THRESHOLDS, **options)))
    assert "01/07/2025" in text and "30/06/2026" in text
