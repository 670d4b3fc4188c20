"""The credentials a medical-coding school prepares for, as the certifying bodies publish
them. Facts change: administrators edit them in the app; this list only seeds what is
missing (``seed_catalog``) and never overwrites an edit.

Sources (each body's candidate handbook / exam page, as of 2026; check before relying on
them — this list could not be re-verified from the build machine, which has no web access):
- AAPC exam pages for CPC, COC, CPC-P and CPMA: 100 multiple-choice questions, 4 hours,
  70 % to pass; apprentice designations CPC-A, COC-A, CPC-P-A (none for CPMA).
- AAPC CEU requirements: 36 CEUs every two years for one credential (DESIGN.md §2: +4 per
  additional credential, applied in the CEU calculation, not stored here).
- AHIMA candidate guide: scaled scores 100–400, 300 to pass. CCA 115 questions in 2 hours;
  CCS 4 hours; CCS-P 4 hours; RHIT 150 questions in 3.5 hours; RHIA 180 questions in
  4 hours. Recertification: 20 CEUs per two-year cycle for CCA, CCS, CCS-P and RHIT, 30 for
  RHIA.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from school.certifications.models import Body, Credential, Scoring
from school.extensions import db

PERCENT = (Scoring.PERCENT, Decimal(0), Decimal(100), Decimal(70))
AHIMA_SCALE = (Scoring.SCALED, Decimal(100), Decimal(400), Decimal(300))

# code, name, body, questions, minutes, (scoring, min, max, pass), CEUs, cycle years, apprentice
CATALOG = [
    ("CPC", "Certified Professional Coder", Body.AAPC, 100, 240, PERCENT, 36, 2, True),
    ("COC", "Certified Outpatient Coder", Body.AAPC, 100, 240, PERCENT, 36, 2, True),
    ("CPC-P", "Certified Professional Coder – Payer", Body.AAPC, 100, 240, PERCENT, 36, 2, True),
    ("CPMA", "Certified Professional Medical Auditor", Body.AAPC, 100, 240, PERCENT, 36, 2, False),
    ("CCA", "Certified Coding Associate", Body.AHIMA, 115, 120, AHIMA_SCALE, 20, 2, False),
    ("CCS", "Certified Coding Specialist", Body.AHIMA, 115, 240, AHIMA_SCALE, 20, 2, False),
    (
        "CCS-P",
        "Certified Coding Specialist – Physician-based",
        Body.AHIMA,
        115,
        240,
        AHIMA_SCALE,
        20,
        2,
        False,
    ),
    (
        "RHIT",
        "Registered Health Information Technician",
        Body.AHIMA,
        150,
        210,
        AHIMA_SCALE,
        20,
        2,
        False,
    ),
    (
        "RHIA",
        "Registered Health Information Administrator",
        Body.AHIMA,
        180,
        240,
        AHIMA_SCALE,
        30,
        2,
        False,
    ),
]


def seed_catalog() -> int:
    """Add every catalog credential that is missing (by code); returns how many were
    added. Existing rows, edited or not, are left as they are."""
    present = set(db.session.scalars(select(Credential.code)))
    added = 0
    for code, name, body, questions, minutes, scale, ceus, years, apprentice in CATALOG:
        if code in present:
            continue
        scoring, low, high, pass_mark = scale
        db.session.add(
            Credential(
                code=code,
                name=name,
                body=body,
                exam_questions=questions,
                exam_minutes=minutes,
                scoring=scoring,
                scale_min=low,
                scale_max=high,
                pass_mark=pass_mark,
                ceus_required=Decimal(ceus),
                cycle_years=years,
                has_apprentice=apprentice,
            )
        )
        added += 1
    db.session.flush()
    return added
