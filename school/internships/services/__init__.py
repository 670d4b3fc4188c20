"""Writes for externships, by topic. Validate first, raise one DomainError listing every
problem, flush, never commit:

- :mod:`.sites`: sites, their affiliation agreements and supervisors;
- :mod:`.placements`: placing an enrollment, ending a placement early, completing it;
- :mod:`.hours`: a student's hour logs;
- :mod:`.decisions`: supervisors' decisions on hour logs (guarded UPDATEs);
- :mod:`.evaluations`: the supervisor's evaluation and its corrections;
- :mod:`.links`: confirmation of hours by emailed link.

Reads are in :mod:`school.internships.queries`. Code inside ``school.internships`` imports
from the submodule that owns a name; the names below are re-exported for the rest of the
school (the demo school and tests).
"""

from school.internships.queries.sites import agreement_in_force
from school.internships.services.decisions import decide_logs
from school.internships.services.evaluations import submit_evaluation
from school.internships.services.hours import LOG_HOURS, LogData, add_log
from school.internships.services.links import request_confirmations
from school.internships.services.placements import PlacementData, create_placement
from school.internships.services.sites import SiteData, add_agreement, create_site

__all__ = [
    "LOG_HOURS",
    "LogData",
    "PlacementData",
    "SiteData",
    "add_agreement",
    "add_log",
    "agreement_in_force",
    "create_placement",
    "create_site",
    "decide_logs",
    "request_confirmations",
    "submit_evaluation",
]
