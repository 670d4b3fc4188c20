"""Writes of the certifications domain, by topic. Validate first, raise one DomainError with
every problem, flush, never commit.

- credential_settings.py: a catalog credential's exam, pass mark and CEU settings
- exam_attempts.py: attempts recorded or reported, and their verification
- milestones.py: milestone plans (steps, readiness rule) and the students' step results
- awards.py: awarded credentials, the apprentice designation, CEUs
"""

from __future__ import annotations

# Re-exported for the importers outside the certifications domain (the demo school, the
# reports and end-to-end tests).
from school.certifications.services.awards import add_ceu, award_credential
from school.certifications.services.exam_attempts import AttemptData, record_attempt
from school.certifications.services.milestones import add_step, record_step

__all__ = [
    "AttemptData",
    "add_ceu",
    "add_step",
    "award_credential",
    "record_attempt",
    "record_step",
]
