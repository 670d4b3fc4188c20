"""An official transcript is re-rendered, not stored: a re-download is handed out only if the
new rendering has the SHA-256 recorded at issue (services.reproduce). Any change to the bytes
the renderer makes for the same records (a layout edit, a ReportLab or font upgrade, another
zlib) therefore makes every copy issued before it impossible to download again (verifying an
uploaded copy still works: that compares the upload with the recorded hash).

This test pins the bytes of one fixed transcript. When it fails, the change reached issued
documents: either undo it, or accept on purpose that earlier official copies must be issued
again, and then record the new digest here.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal as D

from school.reports.transcript import (
    AttemptLine,
    CourseLine,
    CredentialLine,
    ExternshipLine,
    Official,
    StepLine,
    TranscriptData,
    render_transcript,
)

PINNED_SHA256 = "29ce406a1182299a0950b85331650035cc4077824528e2f887c4e567e7b71007"


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


def test_the_renderer_makes_the_same_bytes_as_when_copies_were_issued(app):
    with app.app_context():  # dates print in the school's format
        pdf = render_transcript(fixed_transcript())
        assert render_transcript(fixed_transcript()) == pdf  # deterministic within a run
    assert hashlib.sha256(pdf).hexdigest() == PINNED_SHA256
