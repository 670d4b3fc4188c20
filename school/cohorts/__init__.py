"""Programs, courses, cohorts, enrollments, grades and the roster.

Where the grades live:

- ``grade_arithmetic``: the pure maths (weighted percents, letters, GPA, credits) over exact
  decimals; no database.
- ``gradebook/``: the gradebook writes (assessments, scores and special results), the
  graduation requirements and the reads behind the gradebook pages.
- ``standings``: the reads of results: an enrollment's standing (progress page, transcripts),
  the cohort overview and the sections and columns other domains add to them.
"""
