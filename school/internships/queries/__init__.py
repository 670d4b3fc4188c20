"""Reads for externship pages, in a fixed number of statements, by topic:

- :mod:`.sites`: the sites list, a site's page, form choices, agreements and supervisors;
- :mod:`.hours`: hour totals and the hour logs of a placement or a supervisor;
- :mod:`.placements`: a student's or an enrollment's externship, evaluations, supervised
  placements and the externship graduation check;
- :mod:`.board`: a cohort's placements board.

Code inside ``school.internships`` imports from the submodule that owns a name; the names
below are re-exported for the rest of the school (wiring, dashboard, reports).
"""

from school.internships.queries.hours import count_pending_for_supervisor, placement_totals
from school.internships.queries.placements import (
    ENROLLMENT_CARD,
    STANDING_SECTION,
    externship_requirement,
    student_externship,
    supervised_placements,
)

__all__ = [
    "ENROLLMENT_CARD",
    "STANDING_SECTION",
    "count_pending_for_supervisor",
    "externship_requirement",
    "placement_totals",
    "student_externship",
    "supervised_placements",
]
