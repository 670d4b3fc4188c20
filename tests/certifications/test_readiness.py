"""Milestone plans and readiness: the rule (the last N mock exams, consecutively, and every
required task), recording progress, the cohort grid and the student's verdict."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from sqlalchemy import select

from school.auth.models import Role, User
from school.certifications.models import MilestoneStep, StepResult
from school.certifications.readiness import ResultView, StepView, readiness
from school.certifications.services import milestones
from school.cohorts.models import Cohort, EnrollmentStatus, Program
from school.errors import DomainError
from school.extensions import db
from tests.conftest import login
from tests.factories import (
    DEFAULT_PASSWORD,
    make_cohort,
    make_enrollment,
    make_step_result,
    make_user,
)

TASK = StepView(1, "task", "Coding guidelines review", True)
OPTIONAL = StepView(2, "task", "Study group", False)
PRACTICE = StepView(3, "practice_exam", "Practice exam", True)
MOCK1, MOCK2, MOCK3 = (StepView(i, "mock_exam", f"Mock {i - 3}", True) for i in (4, 5, 6))
STEPS = [TASK, OPTIONAL, PRACTICE, MOCK1, MOCK2, MOCK3]


def r(step, day, score=None):
    return ResultView(step.id, dt.date(2027, 5, day), None if score is None else D(score))


def verdict(results, count=2, threshold="70"):
    return readiness(STEPS, results, mock_count=count, threshold=D(threshold))


def test_ready_with_the_tasks_and_the_last_two_mocks_at_the_threshold():
    v = verdict([r(TASK, 1), r(PRACTICE, 2, "40"), r(MOCK1, 3, "70"), r(MOCK2, 4, "88")])
    assert v.ready and v.missing == () and v.recent_mocks == (D(88), D(70))


def test_the_last_n_count_consecutively_not_any_n():
    # Two passing mocks, but the most recent one failed: not ready.
    v = verdict([r(TASK, 1), r(MOCK1, 3, "80"), r(MOCK2, 4, "85"), r(MOCK3, 5, "69.99")])
    assert not v.ready
    assert v.missing == (
        "The last 2 mock exams must all reach 70%; 1 of them scored below (69.99%).",
    )
    assert v.brief == ("1 recent mock below 70% (69.99%)",)
    # Order is by date, not by the plan's order.
    v = verdict([r(TASK, 1), r(MOCK3, 3, "50"), r(MOCK1, 4, "80"), r(MOCK2, 5, "85")])
    assert v.ready


def test_missing_tasks_and_mocks_are_listed():
    v = verdict([r(OPTIONAL, 1), r(MOCK1, 2, "90")])
    assert v.missing == (
        "Task not done: Coding guidelines review.",
        "1 more timed mock exam at 70% or above (the last 2 must all reach it).",
    )
    assert v.brief == ("1 task to do", "1 more mock")
    assert verdict([r(TASK, 1)], count=3, threshold="75").missing == (
        "3 more timed mock exams at 75% or above (the last 3 must all reach it).",
    )
    assert verdict([], count=3).brief == ("1 task to do", "3 more mocks")
    assert verdict([r(TASK, 1), r(MOCK1, 2, "90"), r(MOCK2, 3, "90")]).brief == ()


def test_thresholds_and_counts_come_from_the_plan():
    results = [r(TASK, 1), r(MOCK1, 2, "72"), r(MOCK2, 3, "74")]
    assert verdict(results).ready
    assert not verdict(results, threshold="75").ready
    assert verdict(results, count=1, threshold="73").ready  # only the last one counts


def _plan(app, *, instructor=None):
    with app.app_context():
        teacher = db.session.get(User, instructor.id) if instructor else None
        cohort = make_cohort(instructors=[teacher] if teacher else [])
        program = cohort.program
        milestones.add_step(
            program=program, kind="task", title="Coding guidelines review", required=True
        )
        milestones.add_step(program=program, kind="mock_exam", title="Mock exam 1", required=True)
        milestones.add_step(program=program, kind="mock_exam", title="Mock exam 2", required=True)
        db.session.commit()
        steps = [s.id for s in milestones.plan_for(program).steps]
        return cohort.id, steps


def test_recording_a_step_is_checked(app, set_today):
    set_today(dt.date(2027, 5, 10))
    cohort_id, (task, mock1, _mock2) = _plan(app)
    with app.app_context():
        enrollment = make_enrollment(cohort=db.session.get(Cohort, cohort_id))
        admin = make_user(role=Role.ADMIN, password=None)
        db.session.commit()

        def refused(step_id, day, score):
            with pytest.raises(DomainError) as exc:
                milestones.record_step(
                    enrollment=enrollment,
                    step=db.session.get(MilestoneStep, step_id),
                    completed_on=day,
                    score=score,
                    by=admin,
                )
            db.session.rollback()
            return exc.value.problems

        assert refused(mock1, dt.date(2027, 5, 11), "80") == {
            "completed_on": ["Record a result once it has happened (not in the future)."]
        }
        assert refused(mock1, dt.date(2027, 5, 1), "101") == {
            "score": ["Enter a percentage from 0 to 100."]
        }
        assert refused(mock1, dt.date(2027, 5, 1), "") == {
            "score": ["Enter the score as a percentage, e.g. 74."]
        }
        assert refused(task, dt.date(2027, 5, 1), "50") == {"score": ["A task has no score."]}
        other = make_enrollment()  # another program's student
        db.session.commit()
        with pytest.raises(DomainError, match="another program"):
            milestones.record_step(
                enrollment=other,
                step=db.session.get(MilestoneStep, mock1),
                completed_on=dt.date(2027, 5, 1),
                score="80",
                by=admin,
            )


def test_instructor_records_two_mocks_and_the_student_sees_ready(
    client, app, make_client, set_today
):
    set_today(dt.date(2027, 5, 10))
    with app.app_context():
        teacher = make_user(role=Role.INSTRUCTOR)
        db.session.commit()
        teacher_email = teacher.email
        db.session.refresh(teacher)
        db.session.expunge(teacher)
    cohort_id, (task, mock1, mock2) = _plan(app, instructor=teacher)
    with app.app_context():
        student = make_user(role=Role.STUDENT, name="Ann Lee")
        enrollment = make_enrollment(cohort=db.session.get(Cohort, cohort_id), student=student)
        db.session.commit()
        enrollment_id, student_email = enrollment.id, student.email
    assert login(client, teacher_email, DEFAULT_PASSWORD).status_code == 302
    url = f"/enrollments/{enrollment_id}/exam-prep"
    bad = client.submit(url, {"step_id": str(mock1), "completed_on": "2027-05-03", "score": "abc"})
    assert bad.status_code == 400 and "Enter the score as a percentage" in bad.get_data(
        as_text=True
    )
    for step_id, day, score in (
        (task, "2027-05-01", ""),
        (mock1, "2027-05-03", "72"),
        (mock2, "2027-05-07", "81.5"),
    ):
        assert (
            client.submit(
                url, {"step_id": str(step_id), "completed_on": day, "score": score}
            ).status_code
            == 302
        )
    grid = client.get(f"/cohorts/{cohort_id}/exam-prep").get_data(as_text=True)
    assert "Ann Lee" in grid and ">Ready<" in grid and "81.5%" in grid
    student_client = make_client()
    assert login(student_client, student_email, DEFAULT_PASSWORD).status_code == 302
    home = student_client.get("/").get_data(as_text=True)
    assert "<strong>Ready</strong> for the exam" in home
    with app.app_context():
        assert len(db.session.scalars(select(StepResult)).all()) == 3


def test_cohort_readiness_grid_query_count_does_not_grow(client, login_as, app, count_queries):
    login_as("admin")
    cohort_id, (_task, mock1, _mock2) = _plan(app)

    def add(n):
        with app.app_context():
            cohort = db.session.get(Cohort, cohort_id)
            for _ in range(n):
                e = make_enrollment(cohort=cohort)
                make_step_result(
                    enrollment=e, step_id=mock1, completed_on=dt.date(2027, 5, 1), score=D(75)
                )
            db.session.commit()

    add(10)
    with count_queries() as few:
        assert client.get(f"/cohorts/{cohort_id}/exam-prep").status_code == 200
    add(190)
    with count_queries() as many:
        page = client.get(f"/cohorts/{cohort_id}/exam-prep").get_data(as_text=True)
    assert page.count(">Not yet<") == 200
    assert many.count == few.count <= 8


def test_admin_builds_the_plan_with_errors_at_the_fields(client, login_as, app):
    login_as("admin")
    with app.app_context():
        program_id = make_cohort().program_id
        db.session.commit()
    url = f"/admin/programs/{program_id}/plan"
    bad = client.submit(url, {"kind": "quiz", "title": ""})
    assert bad.status_code == 400
    page = bad.get_data(as_text=True)
    assert (
        "Choose a task, a practice exam or a timed mock exam." in page and "Enter the step" in page
    )
    assert client.submit(url, {"kind": "mock_exam", "title": "Timed mock 1"}).status_code == 302
    rule = client.submit(url + "/rule", {"mock_count": "11", "mock_threshold": "75"}, page=url)
    assert rule.status_code == 400 and "Enter 1 to 10 mock exams." in rule.get_data(as_text=True)
    assert (
        client.submit(
            url + "/rule", {"mock_count": "3", "mock_threshold": "75"}, page=url
        ).status_code
        == 302
    )
    with app.app_context():
        plan = milestones.plan_for(db.session.get(Program, program_id))
        assert (plan.mock_count, plan.mock_threshold, [s.title for s in plan.steps]) == (
            3,
            D(75),
            ["Timed mock 1"],
        )


def test_a_step_for_the_whole_cohort_in_one_form(client, app, set_today, make_client):
    set_today(dt.date(2027, 5, 10))
    with app.app_context():
        teacher = make_user(role=Role.INSTRUCTOR)
        outsider = make_user(role=Role.INSTRUCTOR)
        db.session.commit()
        db.session.refresh(teacher)
        db.session.expunge(teacher)
        emails = (teacher.email, outsider.email)
    cohort_id, (_task, mock1, _mock2) = _plan(app, instructor=teacher)
    with app.app_context():
        cohort = db.session.get(Cohort, cohort_id)
        ann = make_enrollment(cohort=cohort, student=make_user(role=Role.STUDENT, name="Ann"))
        bo = make_enrollment(cohort=cohort, student=make_user(role=Role.STUDENT, name="Bo"))
        cy = make_enrollment(cohort=cohort, student=make_user(role=Role.STUDENT, name="Cy"))
        db.session.commit()
        ids = (ann.id, bo.id, cy.id)
    url = f"/cohorts/{cohort_id}/exam-prep/steps/{mock1}"
    other = make_client()
    assert login(other, emails[1], DEFAULT_PASSWORD).status_code == 302
    assert other.get(url).status_code == 404  # not their cohort
    assert login(client, emails[0], DEFAULT_PASSWORD).status_code == 302
    bad = client.submit(
        url,
        {
            f"date-{ids[0]}": "2027-05-03", f"score-{ids[0]}": "82",
            f"date-{ids[1]}": "2027-05-03", f"score-{ids[1]}": "180",
            f"date-{ids[2]}": "", f"score-{ids[2]}": "",
        },
    )  # fmt: skip
    assert bad.status_code == 400
    page = bad.get_data(as_text=True)
    assert (
        f'<p class="error" id="score-{ids[1]}-error">Enter a percentage from 0 to 100.</p>' in page
    )
    assert f'name="score-{ids[0]}" inputmode="decimal" class="score-input" value="82"' in page
    with app.app_context():
        assert db.session.scalars(select(StepResult)).all() == []
    good = client.submit(
        url,
        {
            f"date-{ids[0]}": "2027-05-03", f"score-{ids[0]}": "82",
            f"date-{ids[1]}": "2027-05-03", f"score-{ids[1]}": "68",
            f"date-{ids[2]}": "", f"score-{ids[2]}": "",
        },
    )  # fmt: skip
    assert good.status_code == 302
    assert "Mock exam 1: 2 results recorded." in client.get(good.headers["Location"]).get_data(True)
    with app.app_context():
        saved = {r.enrollment_id: r.score for r in db.session.scalars(select(StepResult))}
        assert saved == {ids[0]: D(82), ids[1]: D(68)}


def test_the_cohort_overview_gains_readiness(client, login_as, app, count_queries):
    """The overview shows each student's verdict (withdrawn students none), counts the ready
    current students in a tile, sorts by readiness, and stays flat in statements."""
    login_as("admin")
    cohort_id, (task, mock1, mock2) = _plan(app)

    def add(name, results, status=None):
        with app.app_context():
            e = make_enrollment(
                cohort=db.session.get(Cohort, cohort_id),
                student=make_user(role=Role.STUDENT, password=None, name=name),
            )
            if status:
                e.status = status
            for step, day, score in results:
                make_step_result(
                    enrollment=e,
                    step_id=step,
                    completed_on=dt.date(2027, 5, day),
                    score=None if score is None else D(score),
                )
            db.session.commit()

    everything = [(task, 1, None), (mock1, 2, "70"), (mock2, 3, "88")]
    add("Ada Ready", everything)
    add("Ben Halfway", [(task, 1, None), (mock1, 2, "90")])  # one mock missing
    add("Cal Nothing", [])  # the task and both mocks missing
    add("Dee Left", everything, status=EnrollmentStatus.WITHDRAWN)
    with count_queries() as few:
        page = client.get(f"/cohorts/{cohort_id}/overview?sort=readiness").get_data(True)
    assert 'data-label="Exam readiness"' in page
    assert page.count(">Ready</span>") == 1  # Ada only: withdrawn Dee gets no verdict
    row = {
        name: page[page.index(name) : page.index("</tr>", page.index(name))]
        for name in ("Ada Ready", "Ben Halfway", "Cal Nothing", "Dee Left")
    }
    assert '<span class="tag tag-ok">Ready</span>' in row["Ada Ready"]
    assert ">Not ready</span>" in row["Ben Halfway"]
    assert "1 more timed mock exam at 70% or above" in row["Ben Halfway"]
    assert ">Not ready</span>" in row["Cal Nothing"]  # what is missing, spelled out:
    assert "Coding guidelines review. 2 more timed mock exams" in row["Cal Nothing"]
    assert 'data-label="Exam readiness"><span class="muted">—</span>' in row["Dee Left"]
    tile = '<span class="tile-number">1</span><span class="tile-label">Current students ready'
    assert tile in page
    # ascending: the most missing first, then the ready, withdrawn last
    order = [page.index(n) for n in ("Cal Nothing", "Ben Halfway", "Ada Ready", "Dee Left")]
    assert order == sorted(order)
    desc = client.get(f"/cohorts/{cohort_id}/overview?sort=readiness&dir=desc").get_data(True)
    assert desc.index("Ada Ready") < desc.index("Ben Halfway") < desc.index("Cal Nothing")
    for i in range(60):
        add(f"Extra {i:02d}", everything[:2])
    with count_queries() as many:
        page = client.get(f"/cohorts/{cohort_id}/overview?sort=readiness&page=2")
        assert page.status_code == 200
    assert many.count == few.count


def test_no_plan_no_readiness_column(client, login_as, app):
    login_as("admin")
    with app.app_context():
        cohort = make_cohort()
        make_enrollment(cohort=cohort)
        db.session.commit()
        cohort_id = cohort.id
    page = client.get(f"/cohorts/{cohort_id}/overview").get_data(True)
    assert page.count("<tr>") == 2 and 'data-label="Exam readiness"' not in page
    assert "ready for the exam" not in page


def test_the_cohort_grid_states_the_rule_once_and_each_row_briefly(client, login_as, app):
    """The grid once repeated the whole explanation on every row (6,000 px tall at 1280 px):
    the rule is stated once above the table; a row says briefly what is missing; the
    student's own page keeps the sentences."""
    login_as("admin")
    cohort_id, (task, mock1, _mock2) = _plan(app)
    with app.app_context():
        cohort = db.session.get(Cohort, cohort_id)
        for i in range(5):
            make_enrollment(cohort=cohort, student=make_user(role=Role.STUDENT, name=f"Nil {i}"))
        halfway = make_enrollment(cohort=cohort, student=make_user(role=Role.STUDENT, name="Ben"))
        make_step_result(enrollment=halfway, step_id=task, completed_on=dt.date(2027, 5, 1))
        make_step_result(
            enrollment=halfway, step_id=mock1, completed_on=dt.date(2027, 5, 2), score=D(64)
        )
        db.session.commit()
        halfway_id = halfway.id
    page = client.get(f"/cohorts/{cohort_id}/exam-prep").get_data(as_text=True)
    rule = (
        "A student is <strong>ready</strong> for the exam when every required task is done "
        "(Coding guidelines review) and their last 2 timed mock exams all scored 70% or above."
    )
    assert page.count(rule) == 1
    assert "must all reach" not in page and "Task not done" not in page
    rows = page.split("<tr>")[2:]
    assert len(rows) == 6
    nil = '<span class="tag tag-warn">Not yet</span> <span class="details">'
    assert sum(nil + "1 task to do · 2 more mocks</span>" in row for row in rows) == 5
    (ben,) = [row for row in rows if ">Ben</a>" in row]
    assert nil + "1 more mock</span>" in ben and "64%" in ben
    detail = client.get(f"/enrollments/{halfway_id}/exam-prep").get_data(as_text=True)
    assert "1 more timed mock exam at 70% or above (the last 2 must all reach it)." in detail
