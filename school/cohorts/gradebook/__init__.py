"""The gradebook: what instructors and administrators record for a course in a cohort.

- ``shared``: the per-cohort write lock and parsing the amounts a person types.
- ``assessments``: writes a course's assessments (names, weights, maximums).
- ``scores``: writes the grades grid (scores and W / I / TC results).
- ``graduation``: what keeps an enrollment from graduating, and the checks other domains add.
- ``grid``: reads for the gradebook pages (a course's grid, the courses' set-up progress).

Modules inside ``school.cohorts`` import from the submodule that owns a name; the names
below are re-exported for importers in other domains, the app factory and the demo data.
"""

from school.cohorts.gradebook.assessments import AssessmentInput, save_assessments
from school.cohorts.gradebook.graduation import add_graduation_check, unmet_requirements
from school.cohorts.gradebook.scores import Cell, save_grades
from school.cohorts.gradebook.shared import lock_gradebook

__all__ = [
    "AssessmentInput",
    "Cell",
    "add_graduation_check",
    "lock_gradebook",
    "save_assessments",
    "save_grades",
    "unmet_requirements",
]
