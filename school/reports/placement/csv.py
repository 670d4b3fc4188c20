"""The CSV step of the cohort placement report: :func:`placement_report_csv` writes the
students' rows of :class:`~school.reports.placement.report.PlacementReportData` as CSV text."""

from __future__ import annotations

from school.csvfile import csv_text
from school.reports.placement.report import EMPLOYMENT_SHORT, PLACEMENT_STATES, PlacementReportData

CSV_COLUMNS = (
    "student",
    "student_number",
    "enrollment_status",
    "placement_site",
    "setting_type",
    "placement_status",
    "confirmed_hours",
    "required_hours",
    "externship_complete",
    "evaluation_average",
    "employment_status",
    "exam_result",
)


def placement_report_csv(data: PlacementReportData) -> str:
    """One row per student (the PDF's table, with the setting type and completion spelled
    out); cells a spreadsheet would run as a formula are neutralised."""
    rows = [
        [
            st.name,
            st.student_number,
            st.status,
            st.site,
            st.setting,
            PLACEMENT_STATES[st.placement],
            "" if st.confirmed is None else f"{st.confirmed.normalize():f}",
            "" if st.required is None else f"{st.required.normalize():f}",
            "yes" if st.complete else "no",
            "" if st.evaluation is None else f"{st.evaluation:.1f}",
            EMPLOYMENT_SHORT.get(st.employment, ""),
            st.exam,
        ]
        for st in data.students
    ]
    return csv_text(CSV_COLUMNS, rows)
