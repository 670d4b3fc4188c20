"""Roster CSV files of a cohort, in three steps:

- parsing.py: reading and checking a roster file (every problem with its line and column)
- importing.py: matching it with known students and writing it, all or nothing
- export.py: the roster and grades CSV exports

Names used outside school.cohorts (the demo data, bench/) are re-exported here.
"""

from school.cohorts.roster.importing import import_roster
from school.cohorts.roster.parsing import MAX_ROWS

__all__ = ["MAX_ROWS", "import_roster"]
