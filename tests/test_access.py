"""Access control: every route declares a rule, and a role × route matrix of expected answers.

Every later feature adds its routes to ``MATRIX`` (the completeness test fails otherwise).
``{own}`` in a URL is a record that belongs to the signed-in user; ``{other}`` one that belongs
to somebody else (for user records: another user's account)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from school.auth.access import AccessRule
from school.auth.models import Role, User
from school.certifications.catalog import seed_catalog
from school.certifications.models import Attempt, AttemptResult, AwardedCredential, Credential
from school.cohorts.models import EnrollmentStatus
from school.extensions import db
from school.internships.models import RATINGS, Evaluation, SettingType
from school.mail import queue_email
from school.outcomes.models import Classification, Job, Source
from tests.conftest import csrf_token_from
from tests.factories import (
    make_cohort,
    make_enrollment,
    make_issued_transcript,
    make_log,
    make_placement,
    make_program,
    make_site,
    make_user,
)

ROLES = ["anonymous", "admin", "instructor", "student", "employer"]
STORED_COPY = b"%PDF-1.4 stand-in for an issued transcript"
LOGIN = "login"  # redirect to the sign-in page


def expect(admin, others, anonymous=LOGIN):
    return {
        "anonymous": anonymous,
        "admin": admin,
        "instructor": others,
        "student": others,
        "employer": others,
    }


def answers(*, admin, instructor, student, employer, anonymous=LOGIN):
    return {
        "anonymous": anonymous,
        "admin": admin,
        "instructor": instructor,
        "student": student,
        "employer": employer,
    }


# Teaching pages: administrators, and instructors of that cohort only ({taught} is a cohort
# the signed-in instructor teaches; {cohort} one they do not).
TAUGHT = answers(admin=200, instructor=200, student=403, employer=403)
NOT_TAUGHT = answers(admin=200, instructor=404, student=403, employer=403)

# endpoint, method, url, expected answer per role
MATRIX = [
    ("dashboard.dashboard", "GET", "/", expect(200, 200)),
    ("dashboard.healthz", "GET", "/healthz", expect(200, 200, anonymous=200)),
    ("dashboard.favicon", "GET", "/favicon.ico", expect(200, 200, anonymous=200)),
    ("dashboard.outbox", "GET", "/admin/outbox", expect(200, 403)),
    ("dashboard.outbox_message", "GET", "/admin/outbox/{message}", expect(404, 403)),
    ("dashboard.audit_log", "GET", "/admin/audit", expect(200, 403)),
    ("auth.login", "GET", "/login", expect(302, 302, anonymous=200)),
    ("auth.login", "POST", "/login", expect(302, 302, anonymous=200)),
    ("auth.logout", "POST", "/logout", expect(302, 302)),
    ("auth.account", "GET", "/account", expect(200, 200)),
    ("auth.logout_everywhere", "POST", "/account/logout-everywhere", expect(302, 302)),
    ("auth.change_password", "GET", "/account/password", expect(200, 200)),
    ("auth.change_password", "POST", "/account/password", expect(200, 200)),
    ("auth.forgot_password", "GET", "/password/forgot", expect(200, 200, anonymous=200)),
    ("auth.forgot_password", "POST", "/password/forgot", expect(200, 200, anonymous=200)),
    ("auth.reset_password", "GET", "/password/reset/not-a-token", expect(410, 410, anonymous=410)),
    ("auth.new_password", "GET", "/password/new/1", expect(410, 410, anonymous=410)),
    ("auth.new_password", "POST", "/password/new/1", expect(410, 410, anonymous=410)),
    ("auth.accept_invitation", "GET", "/invitation/not-a-token", expect(410, 410, anonymous=410)),
    ("auth.invitation_password", "GET", "/welcome/1", expect(410, 410, anonymous=410)),
    ("auth.invitation_password", "POST", "/welcome/1", expect(410, 410, anonymous=410)),
    ("auth.users", "GET", "/admin/users", expect(200, 403)),
    ("auth.invite", "GET", "/admin/users/invite", expect(200, 403)),
    ("auth.invite", "POST", "/admin/users/invite", expect(200, 403)),
    ("auth.user_detail", "GET", "/admin/users/{other}", expect(200, 403)),
    ("auth.user_detail", "GET", "/admin/users/{own}", expect(200, 403)),
    ("auth.user_detail", "GET", "/admin/users/999999", expect(404, 403)),
    ("auth.deactivate", "POST", "/admin/users/{other}/deactivate", expect(302, 403)),
    ("auth.deactivate", "POST", "/admin/users/999999/deactivate", expect(404, 403)),
    ("auth.reactivate", "POST", "/admin/users/{other}/reactivate", expect(302, 403)),
    ("auth.resend_invitation", "POST", "/admin/users/{other}/resend-invitation", expect(302, 403)),
    ("cohorts.programs", "GET", "/admin/programs", expect(200, 403)),
    ("cohorts.new_program", "GET", "/admin/programs/new", expect(200, 403)),
    ("cohorts.new_program", "POST", "/admin/programs/new", expect(200, 403)),
    ("cohorts.program_detail", "GET", "/admin/programs/{program}", expect(200, 403)),
    ("cohorts.program_detail", "GET", "/admin/programs/999999", expect(404, 403)),
    ("cohorts.edit_program", "GET", "/admin/programs/{program}/edit", expect(200, 403)),
    ("cohorts.edit_program", "POST", "/admin/programs/{program}/edit", expect(200, 403)),
    ("cohorts.new_course", "GET", "/admin/programs/{program}/courses/new", expect(200, 403)),
    ("cohorts.new_course", "POST", "/admin/programs/{program}/courses/new", expect(200, 403)),
    ("cohorts.edit_course", "GET", "/admin/courses/{course}/edit", expect(200, 403)),
    ("cohorts.edit_course", "GET", "/admin/courses/999999/edit", expect(404, 403)),
    ("cohorts.edit_course", "POST", "/admin/courses/{course}/edit", expect(200, 403)),
    ("cohorts.move_course", "POST", "/admin/courses/{course}/move/down", expect(302, 403)),
    ("cohorts.cohorts", "GET", "/admin/cohorts", expect(200, 403)),
    ("cohorts.new_cohort", "GET", "/admin/cohorts/new", expect(200, 403)),
    ("cohorts.new_cohort", "POST", "/admin/cohorts/new", expect(200, 403)),
    ("cohorts.cohort_detail", "GET", "/admin/cohorts/{cohort}", expect(200, 403)),
    ("cohorts.cohort_detail", "GET", "/admin/cohorts/999999", expect(404, 403)),
    ("cohorts.edit_cohort", "GET", "/admin/cohorts/{cohort}/edit", expect(200, 403)),
    ("cohorts.edit_cohort", "POST", "/admin/cohorts/{cohort}/edit", expect(200, 403)),
    ("cohorts.enroll", "GET", "/admin/cohorts/{cohort}/enroll", expect(200, 403)),
    ("cohorts.enroll", "POST", "/admin/cohorts/{cohort}/enroll", expect(200, 403)),
    ("cohorts.enrollment_detail", "GET", "/admin/enrollments/{enrollment}", expect(200, 403)),
    ("cohorts.enrollment_detail", "GET", "/admin/enrollments/999999", expect(404, 403)),
    ("cohorts.change_status", "POST", "/admin/enrollments/{enrollment}/status", expect(200, 403)),
    ("cohorts.reentry", "POST", "/admin/enrollments/{enrollment}/reentry", expect(200, 403)),
    ("cohorts.overview", "GET", "/cohorts/{taught}/overview", TAUGHT),
    ("cohorts.overview", "GET", "/cohorts/{cohort}/overview", NOT_TAUGHT),
    (
        "cohorts.overview",
        "GET",
        "/cohorts/999999/overview",
        answers(admin=404, instructor=404, student=403, employer=403),
    ),
    ("cohorts.gradebook", "GET", "/cohorts/{taught}/gradebook", TAUGHT),
    ("cohorts.gradebook", "GET", "/cohorts/{cohort}/gradebook", NOT_TAUGHT),
    (
        "cohorts.assessments",
        "GET",
        "/cohorts/{taught}/gradebook/{taught_course}/assessments",
        TAUGHT,
    ),
    ("cohorts.assessments", "GET", "/cohorts/{cohort}/gradebook/{course}/assessments", NOT_TAUGHT),
    (
        "cohorts.assessments",
        "GET",
        "/cohorts/{taught}/gradebook/{course}/assessments",
        answers(admin=404, instructor=404, student=403, employer=403),
    ),
    (
        "cohorts.assessments",
        "POST",
        "/cohorts/{taught}/gradebook/{taught_course}/assessments",
        answers(admin=302, instructor=302, student=403, employer=403),
    ),
    (
        "cohorts.assessments",
        "POST",
        "/cohorts/{cohort}/gradebook/{course}/assessments",
        answers(admin=302, instructor=404, student=403, employer=403),
    ),
    ("cohorts.grades_grid", "GET", "/cohorts/{taught}/gradebook/{taught_course}", TAUGHT),
    ("cohorts.grades_grid", "GET", "/cohorts/{cohort}/gradebook/{course}", NOT_TAUGHT),
    (
        "cohorts.grades_grid",
        "GET",
        "/cohorts/{taught}/gradebook/9999999999",  # no row has such an id: no such page
        answers(admin=404, instructor=404, student=404, employer=404, anonymous=404),
    ),
    (
        "cohorts.grades_grid",
        "POST",
        "/cohorts/{taught}/gradebook/{taught_course}",
        answers(admin=302, instructor=302, student=403, employer=403),
    ),
    (
        "cohorts.grades_grid",
        "POST",
        "/cohorts/{cohort}/gradebook/{course}",
        answers(admin=302, instructor=404, student=403, employer=403),
    ),
    (
        "cohorts.progress",
        "GET",
        "/enrollments/{mine}/progress",
        answers(admin=200, instructor=200, student=200, employer=404),
    ),
    (
        "cohorts.progress",
        "GET",
        "/enrollments/{enrollment}/progress",
        answers(admin=200, instructor=404, student=404, employer=404),
    ),
    (
        "cohorts.progress",
        "GET",
        "/enrollments/999999/progress",
        answers(admin=404, instructor=404, student=404, employer=404),
    ),
    ("cohorts.import_roster", "GET", "/admin/cohorts/{cohort}/roster/import", expect(200, 403)),
    ("cohorts.import_roster", "POST", "/admin/cohorts/{cohort}/roster/import", expect(400, 403)),
    ("cohorts.import_roster", "GET", "/admin/cohorts/999999/roster/import", expect(404, 403)),
    ("cohorts.invite_waiting", "POST", "/admin/cohorts/{cohort}/invite-waiting", expect(302, 403)),
    ("cohorts.invite_waiting", "POST", "/admin/cohorts/999999/invite-waiting", expect(404, 403)),
    ("cohorts.export_roster", "GET", "/cohorts/{taught}/roster.csv", TAUGHT),
    ("cohorts.export_roster", "GET", "/cohorts/{cohort}/roster.csv", NOT_TAUGHT),
    ("cohorts.export_grades", "GET", "/cohorts/{taught}/grades.csv", TAUGHT),
    ("cohorts.export_grades", "GET", "/cohorts/{cohort}/grades.csv", NOT_TAUGHT),
    ("internships.sites", "GET", "/admin/sites", expect(200, 403)),
    ("internships.new_site", "GET", "/admin/sites/new", expect(200, 403)),
    ("internships.new_site", "POST", "/admin/sites/new", expect(200, 403)),
    ("internships.site_detail", "GET", "/admin/sites/{site}", expect(200, 403)),
    ("internships.site_detail", "GET", "/admin/sites/999999", expect(404, 403)),
    ("internships.edit_site", "GET", "/admin/sites/{site}/edit", expect(200, 403)),
    ("internships.edit_site", "POST", "/admin/sites/{site}/edit", expect(302, 403)),
    ("internships.add_agreement", "POST", "/admin/sites/{site}/agreements", expect(400, 403)),
    ("internships.add_supervisor", "POST", "/admin/sites/{site}/supervisors", expect(400, 403)),
    (
        "internships.new_placement",
        "GET",
        "/admin/enrollments/{enrollment}/placement",
        expect(200, 403),
    ),
    (
        "internships.new_placement",
        "POST",
        "/admin/enrollments/{enrollment}/placement",
        expect(200, 403),
    ),
    ("internships.placement_detail", "GET", "/admin/placements/{placement}", expect(200, 403)),
    ("internships.placement_detail", "GET", "/admin/placements/999999", expect(404, 403)),
    ("internships.end_placement", "POST", "/admin/placements/{placement}/end", expect(400, 403)),
    (
        "internships.externship",
        "GET",
        "/externship",
        answers(admin=403, instructor=403, student=200, employer=403),
    ),
    (
        "internships.externship",
        "POST",
        "/externship",
        answers(admin=403, instructor=403, student=400, employer=403),
    ),
    (
        "internships.edit_log",
        "GET",
        "/externship/logs/{my_log}/edit",
        answers(admin=403, instructor=403, student=200, employer=403),
    ),
    (
        "internships.edit_log",
        "GET",
        "/externship/logs/{other_log}/edit",
        answers(admin=403, instructor=403, student=404, employer=403),
    ),
    (
        "internships.edit_log",
        "POST",
        "/externship/logs/{my_log}/edit",
        answers(admin=403, instructor=403, student=400, employer=403),  # an empty form
    ),
    (
        "internships.edit_log",
        "POST",
        "/externship/logs/{other_log}/edit",
        answers(admin=403, instructor=403, student=404, employer=403),
    ),
    (
        "internships.withdraw_log",
        "POST",
        "/externship/logs/{my_log}/withdraw",
        answers(admin=403, instructor=403, student=302, employer=403),
    ),
    (
        "internships.withdraw_log",
        "POST",
        "/externship/logs/{other_log}/withdraw",
        answers(admin=403, instructor=403, student=404, employer=403),
    ),
    (
        "internships.supervisor_hours",
        "GET",
        "/supervisor/hours",
        answers(admin=403, instructor=403, student=403, employer=200),
    ),
    (
        "internships.supervisor_hours",
        "POST",
        "/supervisor/hours",
        answers(admin=403, instructor=403, student=403, employer=400),
    ),
    (
        "internships.evaluate",
        "GET",
        "/supervisor/placements/{my_placement}/evaluation",
        answers(admin=403, instructor=403, student=403, employer=200),
    ),
    (
        "internships.evaluate",
        "GET",
        "/supervisor/placements/{placement}/evaluation",
        answers(admin=403, instructor=403, student=403, employer=404),
    ),
    (
        "internships.evaluate",
        "POST",
        "/supervisor/placements/{my_placement}/evaluation",
        answers(admin=403, instructor=403, student=403, employer=400),
    ),
    (
        "internships.evaluate",
        "POST",
        "/supervisor/placements/{placement}/evaluation",
        answers(admin=403, instructor=403, student=403, employer=404),
    ),
    # A sent evaluation, corrected by the site's supervisor (not another site's) or an admin.
    (
        "internships.evaluate",
        "GET",
        "/supervisor/placements/{my_evaluated}/evaluation",
        answers(admin=403, instructor=403, student=403, employer=200),
    ),
    (
        "internships.evaluate",
        "POST",
        "/supervisor/placements/{my_evaluated}/evaluation",
        answers(admin=403, instructor=403, student=403, employer=400),
    ),
    (
        "internships.evaluate",
        "GET",
        "/supervisor/placements/{evaluated}/evaluation",
        answers(admin=403, instructor=403, student=403, employer=404),
    ),
    (
        "internships.evaluate",
        "POST",
        "/supervisor/placements/{evaluated}/evaluation",
        answers(admin=403, instructor=403, student=403, employer=404),
    ),
    (
        "internships.placement_evaluation",
        "GET",
        "/admin/placements/{placement}/evaluation",
        expect(200, 403),
    ),
    (
        "internships.placement_evaluation",
        "GET",
        "/admin/placements/{evaluated}/evaluation",
        expect(200, 403),
    ),
    (
        "internships.placement_evaluation",
        "POST",
        "/admin/placements/{evaluated}/evaluation",
        expect(400, 403),
    ),
    (
        "internships.placement_evaluation",
        "GET",
        "/admin/placements/999999/evaluation",
        expect(404, 403),
    ),
    (
        "internships.open_confirmation",
        "GET",
        "/hours/confirm/not-a-token",
        expect(410, 410, anonymous=410),
    ),
    ("internships.confirm_batch", "GET", "/hours/confirm/batch/1", expect(410, 410, anonymous=410)),
    (
        "internships.confirm_batch",
        "POST",
        "/hours/confirm/batch/1",
        expect(410, 410, anonymous=410),
    ),
    (
        "internships.request_confirmation",
        "POST",
        "/admin/hours/request-confirmation",
        expect(302, 403),
    ),
    ("internships.placements_board", "GET", "/admin/cohorts/{cohort}/placements", expect(200, 403)),
    ("internships.placements_board", "GET", "/admin/cohorts/999999/placements", expect(404, 403)),
    ("certifications.credentials", "GET", "/admin/credentials", expect(200, 403)),
    (
        "certifications.edit_credential",
        "GET",
        "/admin/credentials/{credential}/edit",
        expect(200, 403),
    ),
    (
        "certifications.edit_credential",
        "POST",
        "/admin/credentials/{credential}/edit",
        expect(302, 403),
    ),
    ("certifications.edit_credential", "GET", "/admin/credentials/999999/edit", expect(404, 403)),
    (
        "certifications.my_attempts",
        "GET",
        "/certifications",
        answers(admin=403, instructor=403, student=200, employer=403),
    ),
    (
        "certifications.my_attempts",
        "POST",
        "/certifications",
        answers(admin=403, instructor=403, student=400, employer=403),
    ),
    (
        "certifications.student_attempts",
        "GET",
        "/admin/enrollments/{enrollment}/attempts",
        expect(200, 403),
    ),
    (
        "certifications.student_attempts",
        "POST",
        "/admin/enrollments/{enrollment}/attempts",
        expect(400, 403),
    ),
    ("certifications.verify_attempt", "POST", "/admin/attempts/{attempt}/verify", expect(302, 403)),
    ("certifications.verify_attempt", "POST", "/admin/attempts/999999/verify", expect(404, 403)),
    (
        "certifications.cohort_figures",
        "GET",
        "/admin/cohorts/{cohort}/certifications",
        expect(200, 403),
    ),
    (
        "certifications.cohort_figures",
        "GET",
        "/admin/cohorts/999999/certifications",
        expect(404, 403),
    ),
    ("certifications.plan", "GET", "/admin/programs/{program}/plan", expect(200, 403)),
    ("certifications.plan", "POST", "/admin/programs/{program}/plan", expect(400, 403)),
    ("certifications.plan", "GET", "/admin/programs/999999/plan", expect(404, 403)),
    ("certifications.plan_rule", "POST", "/admin/programs/{program}/plan/rule", expect(400, 403)),
    ("certifications.cohort_readiness", "GET", "/cohorts/{taught}/exam-prep", TAUGHT),
    ("certifications.cohort_readiness", "GET", "/cohorts/{cohort}/exam-prep", NOT_TAUGHT),
    (
        "certifications.record_progress",
        "GET",
        "/enrollments/{mine}/exam-prep",
        answers(admin=200, instructor=200, student=403, employer=403),
    ),
    (
        "certifications.record_progress",
        "GET",
        "/enrollments/{enrollment}/exam-prep",
        answers(admin=200, instructor=404, student=403, employer=403),
    ),
    (
        "certifications.record_progress",
        "POST",
        "/enrollments/{mine}/exam-prep",
        answers(admin=200, instructor=200, student=403, employer=403),
    ),
    (
        "certifications.credentials_held",
        "GET",
        "/admin/enrollments/{enrollment}/credentials",
        expect(200, 403),
    ),
    (
        "certifications.credentials_held",
        "POST",
        "/admin/enrollments/{enrollment}/credentials",
        expect(400, 403),
    ),
    ("certifications.add_ceu", "POST", "/admin/enrollments/{enrollment}/ceus", expect(400, 403)),
    (
        "certifications.apprentice_removed",
        "POST",
        "/admin/awards/999999/apprentice-removed",
        expect(404, 403),
    ),
    (
        "certifications.apprentice_removed",
        "POST",
        "/admin/awards/{award}/apprentice-removed",
        expect(302, 403),
    ),
    (
        "certifications.my_ceus",
        "POST",
        "/certifications/ceus",
        answers(admin=403, instructor=403, student=400, employer=403),
    ),
    ("certifications.ceus_behind", "GET", "/admin/ceus/behind", expect(200, 403)),
    (  # the award's student has no confirmed hours: refused with the reason
        "reports.experience_letter",
        "GET",
        "/admin/awards/{award}/experience-letter.pdf",
        expect(409, 403),
    ),
    (
        "reports.experience_letter",
        "GET",
        "/admin/awards/999999/experience-letter.pdf",
        expect(404, 403),
    ),
    (
        "certifications.step_grid",
        "GET",
        "/cohorts/{taught}/exam-prep/steps/999999",
        answers(admin=404, instructor=404, student=403, employer=403),
    ),
    (
        "certifications.step_grid",
        "POST",
        "/cohorts/{cohort}/exam-prep/steps/999999",
        answers(admin=404, instructor=404, student=403, employer=403),
    ),
    # Graduate outcomes: administrators only. {graduate} is a graduated enrollment with a job
    # ({job}); {enrollment} is an active one (not a graduate: no outcomes page).
    ("outcomes.outcome_rates", "GET", "/admin/outcomes", expect(200, 403)),
    ("outcomes.outcome_rates", "GET", "/admin/outcomes?from=bad", expect(400, 403)),
    ("outcomes.outcome_rates_csv", "GET", "/admin/outcomes.csv", expect(200, 403)),
    ("outcomes.outcome_rates_csv", "GET", "/admin/outcomes.csv?from=bad", expect(400, 403)),
    ("outcomes.students_behind", "GET", "/admin/outcomes/students?count=G", expect(200, 403)),
    ("outcomes.students_behind", "GET", "/admin/outcomes/students?count=nope", expect(404, 403)),
    ("outcomes.graduates", "GET", "/admin/graduates", expect(200, 403)),
    ("outcomes.graduates", "GET", "/admin/graduates?status=unknown", expect(200, 403)),
    ("outcomes.graduate", "GET", "/admin/graduates/{graduate}", expect(200, 403)),
    ("outcomes.graduate", "GET", "/admin/graduates/{enrollment}", expect(404, 403)),
    ("outcomes.graduate", "GET", "/admin/graduates/999999", expect(404, 403)),
    ("outcomes.add_job", "GET", "/admin/graduates/{graduate}/jobs/new", expect(200, 403)),
    ("outcomes.add_job", "GET", "/admin/graduates/{enrollment}/jobs/new", expect(404, 403)),
    ("outcomes.add_job", "POST", "/admin/graduates/{graduate}/jobs/new", expect(400, 403)),
    ("outcomes.add_job", "POST", "/admin/graduates/{enrollment}/jobs/new", expect(404, 403)),
    ("outcomes.edit_job", "GET", "/admin/jobs/{job}/edit", expect(200, 403)),
    ("outcomes.edit_job", "GET", "/admin/jobs/999999/edit", expect(404, 403)),
    ("outcomes.edit_job", "POST", "/admin/jobs/{job}/edit", expect(400, 403)),
    ("outcomes.remove_job", "POST", "/admin/jobs/{job}/remove", expect(302, 403)),
    ("outcomes.remove_job", "POST", "/admin/jobs/999999/remove", expect(404, 403)),
    (
        "outcomes.request_verification",
        "POST",
        "/admin/jobs/{job}/request-verification",
        expect(302, 403),
    ),
    (
        "outcomes.request_verification",
        "POST",
        "/admin/jobs/999999/request-verification",
        expect(404, 403),
    ),
    (
        "outcomes.mark_unavailable",
        "POST",
        "/admin/graduates/{graduate}/unavailable",
        expect(400, 403),
    ),
    (
        "outcomes.mark_unavailable",
        "POST",
        "/admin/graduates/{enrollment}/unavailable",
        expect(404, 403),
    ),
    (
        "outcomes.clear_unavailable",
        "POST",
        "/admin/graduates/{graduate}/unavailable/clear",
        expect(302, 403),
    ),
    (
        "outcomes.clear_unavailable",
        "POST",
        "/admin/graduates/{enrollment}/unavailable/clear",
        expect(404, 403),
    ),
    (
        "outcomes.open_verification",
        "GET",
        "/employment/verify/not-a-token",
        expect(410, 410, anonymous=410),
    ),
    ("outcomes.verify_job", "GET", "/employment/verify/job/1", expect(410, 410, anonymous=410)),
    ("outcomes.verify_job", "POST", "/employment/verify/job/1", expect(410, 410, anonymous=410)),
    (
        "reports.my_transcript",
        "GET",
        "/transcript.pdf",
        answers(admin=403, instructor=403, student=200, employer=403),
    ),
    (
        "reports.my_enrollment_transcript",
        "GET",
        "/enrollments/{mine}/transcript.pdf",
        answers(admin=403, instructor=403, student=200, employer=403),
    ),
    (
        "reports.my_enrollment_transcript",
        "GET",
        "/enrollments/{enrollment}/transcript.pdf",
        answers(admin=403, instructor=403, student=404, employer=403),
    ),
    (
        "reports.unofficial_transcript",
        "GET",
        "/admin/enrollments/{enrollment}/transcript.pdf",
        expect(200, 403),
    ),
    (
        "reports.unofficial_transcript",
        "GET",
        "/admin/enrollments/999999/transcript.pdf",
        expect(404, 403),
    ),
    (
        "reports.official_transcripts",
        "GET",
        "/admin/enrollments/{enrollment}/transcripts",
        expect(200, 403),
    ),
    (
        "reports.official_transcripts",
        "POST",
        "/admin/enrollments/{enrollment}/transcripts",
        expect(400, 403),
    ),
    (
        "reports.official_transcripts",
        "GET",
        "/admin/enrollments/999999/transcripts",
        expect(404, 403),
    ),
    # Issuing: the form above shows a confirmation; this posts it (here without the page's
    # single-use issue key: nothing issued, back to the transcripts page).
    (
        "reports.issue_official",
        "POST",
        "/admin/enrollments/{enrollment}/transcripts/issue",
        expect(302, 403),
    ),
    (
        "reports.issue_official",
        "POST",
        "/admin/enrollments/999999/transcripts/issue",
        expect(404, 403),
    ),
    ("reports.revoke", "POST", "/admin/transcripts/{transcript}/revoke", expect(302, 403)),
    # (its stored copy is served: its bytes have the recorded hash; a POST, it is audited)
    (
        "reports.download_official",
        "POST",
        "/admin/transcripts/{transcript}/download",
        expect(200, 403),
    ),
    ("reports.download_official", "POST", "/admin/transcripts/999999/download", expect(404, 403)),
    ("reports.revoke", "POST", "/admin/transcripts/999999/revoke", expect(404, 403)),
    ("reports.verify", "GET", "/verify/{serial}", expect(200, 200, anonymous=200)),
    ("reports.verify", "GET", "/verify/TR-NONE-NONE", expect(404, 404, anonymous=404)),
    ("reports.verify", "POST", "/verify/{serial}", expect(400, 400, anonymous=400)),
    # Placement and outcome reports (PDF, CSV): administrators only.
    (
        "reports.placement_report_pdf",
        "GET",
        "/admin/cohorts/{cohort}/placement-report.pdf",
        expect(200, 403),
    ),
    (
        "reports.placement_report_pdf",
        "GET",
        "/admin/cohorts/999999/placement-report.pdf",
        expect(404, 403),
    ),
    (
        "reports.placement_report_csv_download",
        "GET",
        "/admin/cohorts/{cohort}/placement-report.csv",
        expect(200, 403),
    ),
    (
        "reports.placement_report_csv_download",
        "GET",
        "/admin/cohorts/999999/placement-report.csv",
        expect(404, 403),
    ),
    ("reports.outcome_report_pdf", "GET", "/admin/outcomes.pdf", expect(200, 403)),
    ("reports.outcome_report_pdf", "GET", "/admin/outcomes.pdf?from=bad", expect(400, 403)),
]


def sign_in_with_records(app, login_as, role: str) -> dict[str, int]:
    """Sign in as ``role`` (unless anonymous) and create the records the URLs name: another
    user's account, an outbox message, a graduate and their job. Returns the ids to format
    URLs with."""
    user = login_as(role) if role != "anonymous" else None
    with app.app_context():
        other = make_user(role=Role.STUDENT, password=None)
        message = queue_email(to="x@example.com", subject="s", body="b")
        program = make_program()
        cohort = make_cohort(program=program)
        enrollment = make_enrollment(cohort=cohort, student=other)
        # A cohort the signed-in instructor teaches, with the signed-in student's enrollment
        # (or, for other roles, someone else's).
        me = db.session.get(User, user.id) if user else None
        taught_program = make_program()
        taught = make_cohort(
            program=taught_program, instructors=[me] if role == "instructor" else []
        )
        mine = make_enrollment(
            cohort=taught,
            student=me if role == "student" else make_user(role=Role.STUDENT, password=None),
        )
        # Externship records: a site the signed-in employer supervises at (with the placement
        # of {mine} and its log), and another site with another student's log.
        my_site = make_site(supervisors=[me] if role == "employer" else [])
        my_placement = make_placement(
            enrollment=mine, site=my_site, supervisor=me if role == "employer" else None
        )
        my_log = make_log(placement=my_placement, day=dt.date(2027, 3, 2))
        other_placement = make_placement(enrollment=enrollment)
        other_log = make_log(placement=other_placement, day=dt.date(2027, 3, 2))
        # Placements with a sent evaluation: at the signed-in employer's site, and another.
        my_evaluated = make_placement(
            enrollment=make_enrollment(cohort=taught),
            site=my_site,
            supervisor=me if role == "employer" else None,
        )
        evaluated = make_placement()
        for placement in (my_evaluated, evaluated):
            db.session.add(
                Evaluation(
                    placement_id=placement.id,
                    would_hire=True,
                    submitted_by_id=placement.supervisor_id,
                    **{name: 4 for name, _ in RATINGS},
                )
            )
        seed_catalog()
        credential = db.session.scalar(select(Credential).where(Credential.code == "CPC"))
        attempt = Attempt(
            student_id=other.id,
            credential_id=credential.id,
            exam_date=dt.date(2026, 6, 1),
            result=AttemptResult.PASSED,
            reported_by_student=True,
        )
        db.session.add(attempt)
        award = AwardedCredential(
            student_id=other.id,
            credential_id=credential.id,
            awarded_on=dt.date(2026, 7, 1),
            member_id="01234567",
            apprentice=True,
        )
        db.session.add(award)
        # A graduate (another student, graduated in the last reporting year) with a job, in
        # a cohort of their own: a graduate closes their cohort's gradebook.
        graduate = make_enrollment(
            cohort=make_cohort(program=program, start=dt.date(2025, 1, 12)),
            student=make_user(role=Role.STUDENT, password=None),
        )
        graduate.status = EnrollmentStatus.GRADUATED
        graduate.status_date = dt.date(2026, 3, 1)
        job = Job(
            enrollment_id=graduate.id,
            employer="Mercy General",
            job_title="Medical Coder I",
            setting=SettingType.HOSPITAL,
            start_date=dt.date(2026, 4, 1),
            classification=Classification.IN_FIELD,
            full_time=True,
            source=Source.DOCUMENTS,
            version=1,
            employer_email="hr@example.com",
        )
        db.session.add(job)
        # An official transcript of another student's enrollment.
        transcript = make_issued_transcript(enrollment=enrollment, pdf=STORED_COPY)
        db.session.commit()
        return {
            "transcript": transcript.id,
            "serial": transcript.serial,
            "award": award.id,
            "credential": credential.id,
            "attempt": attempt.id,
            "site": other_placement.site_id,
            "my_site": my_site.id,
            "placement": other_placement.id,
            "my_placement": my_placement.id,
            "my_evaluated": my_evaluated.id,
            "evaluated": evaluated.id,
            "my_log": my_log.id,
            "other_log": other_log.id,
            "other": other.id,
            "own": user.id if user else other.id,  # (anonymous has none: someone's)
            "message": message.id,
            "program": program.id,
            "course": program.courses[0].id,
            "cohort": cohort.id,
            "enrollment": enrollment.id,
            "taught": taught.id,
            "taught_course": taught_program.courses[0].id,
            "mine": mine.id,
            "graduate": graduate.id,
            "job": job.id,
        }


def test_every_route_declares_an_access_rule(app):
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        view = app.view_functions[rule.endpoint]
        if not isinstance(getattr(view, "access_rule", None), AccessRule):
            missing.append(f"{rule.endpoint} ({rule.rule})")
    assert not missing, "routes without @public/@login_required/@roles_required: " + ", ".join(
        missing
    )


def test_every_route_is_in_the_matrix(app):
    covered = {(endpoint, method) for endpoint, method, _url, _exp in MATRIX}
    missing = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if (rule.endpoint, method) not in covered:
                missing.append(f"{method} {rule.rule} ({rule.endpoint})")
    assert not missing, "add rows to MATRIX in tests/test_access.py for: " + ", ".join(missing)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(
    ("endpoint", "method", "url", "expected"),
    MATRIX,
    ids=[f"{m} {u}" for _e, m, u, _x in MATRIX],
)
def test_access_matrix(app, client, login_as, role, endpoint, method, url, expected):
    ids = sign_in_with_records(app, login_as, role)
    target = url.format(**ids)
    if method == "GET":
        response = client.get(target)
    else:
        token = csrf_token_from(
            client.get("/login" if role == "anonymous" else "/account").get_data(True)
        )
        response = client.post(target, data={"csrf_token": token})
    want = expected[role]
    if want == LOGIN:
        assert response.status_code == 302, response.status_code
        assert response.headers["Location"].startswith("/login")
    else:
        assert response.status_code == want, (
            f"{role} {method} {target}: {response.status_code}, expected {want}"
        )


def _snapshot(app) -> dict[str, list]:
    """Every row of every table, so that an UPDATE shows as well as an INSERT."""
    from sqlalchemy import select

    with app.app_context():
        return {
            table.name: db.session.execute(select(table).order_by(*table.primary_key.columns)).all()
            for table in db.metadata.sorted_tables
        }


@pytest.mark.parametrize("role", ["anonymous", "admin", "student"])
def test_no_get_request_changes_anything(app, client, login_as, role):
    ids = sign_in_with_records(app, login_as, role)
    before = _snapshot(app)
    for _endpoint, method, url, _expected in MATRIX:
        if method == "GET":
            client.get(url.format(**ids))
    assert _snapshot(app) == before


@pytest.mark.parametrize("role", ["anonymous", "admin"])
def test_no_page_has_inline_script(app, client, login_as, role):
    """The CSP forbids inline script; a page that relied on it would silently break."""
    import re

    ids = sign_in_with_records(app, login_as, role)
    for _endpoint, method, url, _expected in MATRIX:
        if method != "GET":
            continue
        response = client.get(url.format(**ids))
        if response.mimetype != "text/html":
            continue  # CSV and PDF downloads carry no script
        html = response.get_data(as_text=True)
        for tag in re.findall(r"<script\b[^>]*>", html, re.I):
            assert "src=" in tag, f"inline <script> on {url}"
        assert not re.search(r"<[^>]+\son[a-z]+\s*=", html, re.I), f"on* handler on {url}"
        assert "javascript:" not in html.lower(), url
