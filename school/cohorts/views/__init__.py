"""The cohorts blueprint ("cohorts"): its views, by subject.

- programs.py: programs and their curricula (admin)
- cohorts.py: cohorts (admin), inviting the students still waiting
- enrollments.py: enrolling, the enrollment page, status changes, re-entry (admin)
- gradebook.py: overview, assessments, grades grid, progress (admins and instructors)
- roster_files.py: roster import (admin), roster and grades CSV exports
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("cohorts", __name__, template_folder="../templates")

# The modules register their routes on bp when imported.
from school.cohorts.views import (  # noqa: E402
    cohorts,
    enrollments,
    gradebook,
    programs,
    roster_files,
)

__all__ = ["bp", "cohorts", "enrollments", "gradebook", "programs", "roster_files"]
