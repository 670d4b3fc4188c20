"""The certifications blueprint ("certifications"): its views, by page group.

- catalog.py: the credential catalog (admin)
- attempts.py: exam attempts: a student's own page (attempts and CEUs they report), the
  attempts an admin records and verifies, a cohort's pass figures
- readiness.py: milestone plans (admin), exam readiness and progress (instructors, admins)
- credentials_held.py: awarded credentials, CEUs and the apprentice designation (admin), the
  alumni behind on CEUs
- common.py: what several of them share
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("certifications", __name__, template_folder="../templates")

# The modules register their routes on bp when imported.
from school.certifications.views import (  # noqa: E402
    attempts,
    catalog,
    credentials_held,
    readiness,
)

__all__ = ["attempts", "bp", "catalog", "credentials_held", "readiness"]
