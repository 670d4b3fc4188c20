"""The main navigation: each role's items, and the one section every page belongs to (the item
marked ``aria-current="page"``). A page belongs to at most one section, so at most one item
is ever current."""

from __future__ import annotations

from dataclasses import dataclass

from school.auth.models import Role


@dataclass(frozen=True)
class NavItem:
    label: str
    endpoint: str
    section: str


NAV_ITEMS: dict[Role, tuple[NavItem, ...]] = {
    Role.ADMIN: (
        NavItem("Dashboard", "dashboard.dashboard", "dashboard"),
        NavItem("Cohorts", "cohorts.cohorts", "cohorts"),
        NavItem("Sites", "internships.sites", "sites"),
        NavItem("Programs", "cohorts.programs", "programs"),
        NavItem("Credentials", "certifications.credentials", "credentials"),
        NavItem("Outcomes", "outcomes.graduates", "outcomes"),
        NavItem("Users", "auth.users", "users"),
        NavItem("Outbox", "dashboard.outbox", "outbox"),
        NavItem("Audit log", "dashboard.audit_log", "audit"),
    ),
    Role.INSTRUCTOR: (NavItem("Dashboard", "dashboard.dashboard", "dashboard"),),
    Role.STUDENT: (
        NavItem("Dashboard", "dashboard.dashboard", "dashboard"),
        NavItem("Externship hours", "internships.externship", "externship"),
        NavItem("Certification exams", "certifications.my_attempts", "exams"),
    ),
    Role.EMPLOYER: (
        NavItem("Dashboard", "dashboard.dashboard", "dashboard"),
        NavItem("Hours to confirm", "internships.supervisor_hours", "hours"),
    ),
}

# Pages filed under a section other than their blueprint's (below): a cohort's pages and a
# student's enrollment pages are under Cohorts wherever their code lives, a program's under
# Programs; a student's and a supervisor's own pages under their own items. None: no item
# (the account pages, public pages).
SECTION_OF_ENDPOINT: dict[str, str | None] = {
    "dashboard.dashboard": "dashboard",
    "dashboard.outbox": "outbox",
    "dashboard.outbox_message": "outbox",
    "dashboard.audit_log": "audit",
    "auth.users": "users",
    "auth.user_detail": "users",
    "auth.invite": "users",
    "cohorts.programs": "programs",
    "cohorts.program_detail": "programs",
    "cohorts.new_program": "programs",
    "cohorts.edit_program": "programs",
    "cohorts.new_course": "programs",
    "cohorts.edit_course": "programs",
    "cohorts.move_course": "programs",
    "certifications.plan": "programs",
    "certifications.plan_rule": "programs",
    "certifications.cohort_figures": "cohorts",
    "certifications.cohort_readiness": "cohorts",
    "certifications.step_grid": "cohorts",
    "certifications.record_progress": "cohorts",
    "certifications.credentials_held": "cohorts",
    "certifications.student_attempts": "cohorts",
    "certifications.add_ceu": "cohorts",
    "certifications.my_attempts": "exams",
    "certifications.my_ceus": "exams",
    "internships.placements_board": "cohorts",
    "internships.new_placement": "cohorts",
    "internships.externship": "externship",
    "internships.edit_log": "externship",
    "internships.withdraw_log": "externship",
    "internships.supervisor_hours": "hours",
    "internships.evaluate": "hours",
    "reports.official_transcripts": "cohorts",
    "reports.unofficial_transcript": "cohorts",
    "reports.placement_report_pdf": "cohorts",
    "reports.placement_report_csv_download": "cohorts",
    "reports.outcome_report_pdf": "outcomes",
}

# Every other page of these blueprints (sites and placements, credentials and CEUs,
# graduates and outcome rates, a cohort's gradebook and enrollments).
SECTION_OF_BLUEPRINT = {
    "cohorts": "cohorts",
    "internships": "sites",
    "certifications": "credentials",
    "outcomes": "outcomes",
}


def nav_section(endpoint: str | None) -> str | None:
    """The navigation section of the page served by ``endpoint``, or None."""
    if not endpoint:
        return None
    if endpoint in SECTION_OF_ENDPOINT:
        return SECTION_OF_ENDPOINT[endpoint]
    blueprint, _, _name = endpoint.rpartition(".")
    return SECTION_OF_BLUEPRINT.get(blueprint)


def nav_items(role: Role) -> tuple[NavItem, ...]:
    return NAV_ITEMS.get(role, ())
