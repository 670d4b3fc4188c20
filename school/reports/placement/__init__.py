"""The cohort placement report in three steps (DESIGN.md §3 rule 5): :mod:`.data` reads a
cohort into the frozen :class:`~.report.PlacementReportData` (:mod:`.report`) in a fixed
number of statements; :mod:`.pdf` renders it to PDF bytes and :mod:`.csv` writes its
students' rows as CSV text, neither touching the database."""
