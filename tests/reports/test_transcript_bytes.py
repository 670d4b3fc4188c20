"""The renderer is deterministic: one input gives the same bytes every time, in this process
and in a fresh one (no creation time, random document id or hash-seed ordering in the file).

Issued official copies no longer depend on it: their bytes are stored at issue and served
from the database (tests/reports/test_official_copies.py), so a layout edit or a library
upgrade changes new documents only. Determinism still matters where a rendering is compared
with one made earlier: the upgrade that stored the copies of transcripts issued before
(migration 0013) kept only those that re-rendered to their recorded SHA-256.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import subprocess
import sys
from dataclasses import replace
from decimal import Decimal as D
from pathlib import Path

from school.reports.transcript.data import (
    AttemptLine,
    CourseLine,
    CredentialLine,
    ExternshipLine,
    Official,
    StepLine,
    TranscriptData,
)
from school.reports.transcript.pdf import render_transcript


def fixed_transcript() -> TranscriptData:
    return TranscriptData(
        school="Riverside Coding Academy",
        school_address="12 Main Street\nSpringfield, OR 97477",
        logo=None,
        student="Zoë O'Brien & <Sons> Иван",
        student_number="S-000123",
        email="zoe@example.edu",
        program="Medical Billing and Coding (MBC)",
        cohort="MBC-2026-01",
        start_date=dt.date(2026, 1, 12),
        status="Graduated",
        status_date=dt.date(2026, 10, 30),
        courses=(
            CourseLine("MBC101", "Medical Terminology", D(3), 45, D("91.25"), "A", D(4), ""),
            CourseLine("MBC102", "Anatomy & Physiology", D(4), 60, D("78.50"), "C", D(2), ""),
            CourseLine("MBC201", "ICD-10-CM Coding", D(4), 60, None, "W", None, ""),
            CourseLine(
                "MBC202", "CPT and HCPCS", D(4), 60, D("83.10"), "", None, "In progress (2 of 4)"
            ),
        ),
        credits_attempted=D(11),
        credits_earned=D(7),
        credits_required=D(15),
        gpa=D("2.86"),
        externships=(
            ExternshipLine(
                "St. Mary's Hospital",
                "Aug 3, 2026 to Oct 9, 2026",
                "Completed",
                D("164.5"),
                D(160),
                "Average 4.3 of 5 · would hire",
            ),
        ),
        steps=(
            StepLine("Mock exam 1", "Mock exam", True, dt.date(2026, 9, 1), D("81.0")),
            StepLine("Coding clinic review", "Review", False, None, None),
        ),
        readiness="Ready for the CPC exam",
        attempts=(AttemptLine("CPC", 1, dt.date(2026, 11, 7), "2026", D(74), "Passed", True),),
        credentials=(
            CredentialLine("CPC", "Certified Professional Coder", dt.date(2026, 11, 20), "A1", ""),
        ),
        issued_at=dt.datetime(2026, 11, 27, 15, 4, 5, tzinfo=dt.UTC),
        issued_label="Nov 27, 2026 10:04 AM EST",
        official=Official(
            serial="TR-ABCD-EFGH",
            recipient="State Coding Board",
            purpose="Employment verification",
            verify_url="https://records.example.edu/verify/TR-ABCD-EFGH",
        ),
    )


def test_one_input_renders_to_the_same_bytes_twice(app):
    with app.app_context():  # dates print in the school's format
        first = render_transcript(fixed_transcript())
        again = render_transcript(fixed_transcript())
        other = render_transcript(replace(fixed_transcript(), student_number="S-000124"))
    assert first == again
    assert first.startswith(b"%PDF-") and other != first  # and it does render its input


RENDER_IN_A_FRESH_PROCESS = """
import hashlib, sys
from school import create_app
from tests.reports.test_transcript_bytes import fixed_transcript
from school.reports.transcript.pdf import render_transcript
app = create_app({"TESTING": True, "SECRET_KEY": "x", "DATABASE_URL": "sqlite://",
                  "SCHOOL_NAME": "Test Coding School"})
with app.app_context():
    sys.stdout.write(hashlib.sha256(render_transcript(fixed_transcript())).hexdigest())
"""


def test_one_input_renders_to_the_same_bytes_in_a_fresh_process(app):
    with app.app_context():
        here = hashlib.sha256(render_transcript(fixed_transcript())).hexdigest()
    root = Path(__file__).resolve().parents[2]
    there = subprocess.run(
        [sys.executable, "-c", RENDER_IN_A_FRESH_PROCESS],
        cwd=root,
        env={**os.environ, "PYTHONHASHSEED": "12345", "SCHOOL_ENV": "testing"},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert there == here
