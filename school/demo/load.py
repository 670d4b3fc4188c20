"""``load_demo``: the demo school, step by step, in the order that gives every record the
same id on every load."""

from __future__ import annotations

from school.auth.models import User
from school.certifications.catalog import seed_catalog
from school.cohorts.roster import import_roster
from school.database import school_today
from school.demo import cohorts, exams, people
from school.demo.externships import externships
from school.demo.graduation import graduate
from school.demo.outcomes import follow_up


def load_demo() -> list[User]:
    """Add the demo school to an empty database (the caller commits)."""
    users = people.create_accounts()
    programs = cohorts.create_programs()
    today = school_today()
    running, _upcoming = cohorts.create_cohorts(programs, users, today)
    enrollments = cohorts.enroll_students(running, users)
    import_roster(cohort=running, data=people.running_roster(running.start_date), by=None)
    people.invite_first_imported(people.user_by_email("registrar@demo.school"))
    cohorts.put_on_leave(enrollments[-1], today)
    teacher = people.user_by_email("p.raman@demo.school")
    past = cohorts.past_cohort(programs["MBC-DIP"], teacher=teacher, running=running)
    cohorts.grade_running(running, teacher=teacher)
    sites = externships({u.email: u for u in users}, enrollments)
    seed_catalog()
    exams.attempts(enrollments)
    exams.exam_prep(running, enrollments, teacher=teacher)
    graduate(past, sites)
    follow_up(past)
    people.set_imported_passwords()
    return users
