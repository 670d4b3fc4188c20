"""The outcomes blueprint ("outcomes"): its views, by page group.

- rates.py: outcome rates with their drill-downs and CSV (admins)
- graduates.py: graduates, their jobs and documented unavailability, the follow-up list
  (admins: career services and the registrar)
- employer_links.py: the employer's verification page reached from an emailed link (no
  sign-in)
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("outcomes", __name__, template_folder="../templates")

# The modules register their routes on bp when imported.
from school.outcomes.views import employer_links, graduates, rates  # noqa: E402

# report_args is re-exported for the reports domain (its outcome report PDF reads the same
# query string).
from school.outcomes.views.rates import report_args  # noqa: E402

__all__ = ["bp", "employer_links", "graduates", "rates", "report_args"]
