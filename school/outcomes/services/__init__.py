"""Writes for graduate outcomes, by topic. Validate first, raise one DomainError with every
problem, flush, never commit.

- jobs.py: a graduate's jobs, recorded, edited and removed
- unavailability.py: documented unavailability for employment
- verification.py: the employer's verification of a job by emailed link
- _shared.py: the graduate checks, a job's version and audit text, revoking a job's links
"""

from __future__ import annotations

# Re-exported for the importers outside the outcomes domain (the demo school, tests).
from school.outcomes.services._shared import STALE
from school.outcomes.services.jobs import JobData, add_job
from school.outcomes.services.unavailability import mark_unavailable
from school.outcomes.services.verification import request_verification, verify_by_link

__all__ = [
    "STALE",
    "JobData",
    "add_job",
    "mark_unavailable",
    "request_verification",
    "verify_by_link",
]
