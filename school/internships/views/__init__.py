"""Externship pages, on one blueprint ``internships``:

- :mod:`.sites`: sites, agreements and supervisors (admin);
- :mod:`.placements`: placements and the cohort's placements board (admin);
- :mod:`.hours`: hour logs (students);
- :mod:`.supervisor`: decisions on hour logs and the evaluation (supervisors);
- :mod:`.links`: confirmation by emailed link, and the button that sends the links.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("internships", __name__, template_folder="../templates")

from school.internships.views import hours, links, placements, sites, supervisor  # noqa: E402, F401
