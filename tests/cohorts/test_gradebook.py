"""Gradebook: assessments, the score grid, standings on pages, graduation requirements."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from sqlalchemy import func, select

from school.audit import AuditEvent
from school.auth.models import Role, User
from school.auth.passwords import hash_password
from school.cohorts import services, standings
from school.cohorts.gradebook.assessments import AssessmentInput, save_assessments
from school.cohorts.gradebook.graduation import (
    CHECKS_KEY,
    add_graduation_check,
    unmet_requirements,
)
from school.cohorts.gradebook.scores import Cell, save_grades
from school.cohorts.models import (
    Assessment,
    Cohort,
    CourseMark,
    Enrollment,
    EnrollmentStatus,
    Program,
    Score,
    SpecialResult,
)
from school.errors import DomainError
from school.extensions import db
from tests.conftest import login
from tests.factories import make_cohort, make_enrollment, make_program, make_user

TODAY = dt.date(2027, 6, 1)


@pytest.fixture(autouse=True)
def school_today(set_today):
    set_today(TODAY)


def _setup(app, *, students=2, instructor=None, courses=3):
    """A cohort (taught by ``instructor``) with ``students`` enrollments; returns ids."""
    with app.app_context():
        teacher = db.session.get(User, instructor.id) if instructor else None
        program = make_program(courses=courses, externship_hours=0)  # grades alone
        cohort = make_cohort(program=program, instructors=[teacher] if teacher else [])
        enrollments = [
            make_enrollment(
                cohort=cohort,
                student=make_user(role=Role.STUDENT, password=None, name=f"Student {i:03d}"),
            )
            for i in range(students)
        ]
        db.session.commit()
        return {
            "cohort": cohort.id,
            "courses": [c.id for c in program.courses],
            "enrollments": [e.id for e in enrollments],
        }


def _assessments(app, cohort_id, course_id, spec=(("Quizzes", "40", "100"), ("Final", "60", "50"))):
    with app.app_context():
        cohort = db.session.get(Cohort, cohort_id)
        course = next(c for c in cohort.program.courses if c.id == course_id)
        made = save_assessments(
            cohort=cohort,
            course=course,
            rows=[AssessmentInput(None, n, w, m) for n, w, m in spec],
            by=None,
        )
        db.session.commit()
        return [a.id for a in made]


def _grid_url(ids, course_index=0):
    return f"/cohorts/{ids['cohort']}/gradebook/{ids['courses'][course_index]}"


def _scores(app, ids, course_index=0):
    with app.app_context():
        course_id = ids["courses"][course_index]
        rows = db.session.execute(
            select(Score.enrollment_id, Assessment.name, Score.points)
            .join(Assessment)
            .where(Assessment.course_id == course_id)
            .order_by(Score.enrollment_id, Assessment.sequence)
        ).all()
        return [(e, n, p) for e, n, p in rows]


# --- assessments ------------------------------------------------------------------------------


def test_weights_must_sum_to_100_and_nothing_is_saved_otherwise(client, login_as, app):
    me = login_as("instructor")
    ids = _setup(app, instructor=me)
    url = _grid_url(ids) + "/assessments"
    response = client.submit(
        url,
        {
            "rows-0-name": "Quizzes", "rows-0-weight": "40", "rows-0-max_points": "100",
            "rows-1-name": "Final exam", "rows-1-weight": "50", "rows-1-max_points": "50",
            "rows-2-name": "", "rows-2-weight": "", "rows-2-max_points": "",
        },
    )  # fmt: skip
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "The weights add up to 90%; they must add up to 100%." in page
    assert 'value="Final exam"' in page  # what was typed is kept
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Assessment)) == 0
    response = client.submit(
        url,
        {
            "rows-0-name": "Quizzes", "rows-0-weight": "40", "rows-0-max_points": "100",
            "rows-1-name": "Final exam", "rows-1-weight": "60", "rows-1-max_points": "50",
            "rows-2-name": "", "rows-2-weight": "", "rows-2-max_points": "",
        },
    )  # fmt: skip
    assert response.status_code == 302
    with app.app_context():
        saved = db.session.execute(
            select(Assessment.name, Assessment.weight, Assessment.max_points).order_by(
                Assessment.sequence
            )
        ).all()
        assert saved == [("Quizzes", D(40), D(100)), ("Final exam", D(60), D(50))]
        assert db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "gradebook.assessments_saved")
        )


def test_each_assessment_row_is_checked_beside_its_field(client, login_as, app):
    me = login_as("instructor")
    ids = _setup(app, instructor=me)
    response = client.submit(
        _grid_url(ids) + "/assessments",
        {
            "rows-0-name": "", "rows-0-weight": "abc", "rows-0-max_points": "0",
            "rows-1-name": "Quiz", "rows-1-weight": "50.555", "rows-1-max_points": "10",
            "rows-2-name": "quiz", "rows-2-weight": "120", "rows-2-max_points": "-3",
        },
    )  # fmt: skip
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    for message in (
        "Row 1 name: Enter a name",
        "Row 1 weight: Enter a number",
        "Row 1 maximum: Enter a maximum above 0",
        "Row 2 weight: Use at most 2 decimals",
        "Row 3 name: quiz is already row 2",
        "Row 3 weight: Enter 0 to 100",
        "Row 3 maximum: Enter a number",
    ):
        assert message in page, message
    blank_name = 'id="row-0-name" name="rows-0-name" value="" class="wide" maxlength="80"'
    assert blank_name + ' aria-invalid="true"' in page


def test_an_assessment_with_scores_cannot_be_removed_or_shrunk_below_a_score(app):
    ids = _setup(app)
    quiz, final = _assessments(app, ids["cohort"], ids["courses"][0])
    with app.app_context():
        db.session.add(Score(assessment_id=quiz, enrollment_id=ids["enrollments"][0], points=D(80)))
        db.session.commit()
        cohort = db.session.get(Cohort, ids["cohort"])
        course = cohort.program.courses[0]
        with pytest.raises(DomainError) as refused:
            save_assessments(
                cohort=cohort,
                course=course,
                rows=[
                    AssessmentInput(quiz, "Quizzes", "40", "50"),
                    AssessmentInput(final, "Final", "60", "50", remove=True),
                ],
                by=None,
            )
        assert "keep the maximum at or above it" in refused.value.problems["0.max_points"][0]
        db.session.rollback()
        # Removing the unscored one and giving its weight to the other is fine.
        save_assessments(
            cohort=cohort,
            course=course,
            rows=[
                AssessmentInput(quiz, "Quizzes", "100", "100"),
                AssessmentInput(final, "Final", "60", "50", remove=True),
            ],
            by=None,
        )
        db.session.commit()
        with pytest.raises(DomainError) as refused:
            save_assessments(
                cohort=cohort,
                course=course,
                rows=[AssessmentInput(quiz, "Quizzes", "100", "100", remove=True)],
                by=None,
            )
        assert "has scores" in refused.value.problems["0.name"][0]


def test_renaming_two_assessments_into_each_others_names_works(app):
    ids = _setup(app)
    a, b = _assessments(app, ids["cohort"], ids["courses"][0])
    with app.app_context():
        cohort = db.session.get(Cohort, ids["cohort"])
        save_assessments(
            cohort=cohort,
            course=cohort.program.courses[0],
            rows=[
                AssessmentInput(a, "Final", "40", "100"),
                AssessmentInput(b, "Quizzes", "60", "50"),
            ],
            by=None,
        )
        db.session.commit()
        assert db.session.get(Assessment, a).name == "Final"


# --- the score grid ---------------------------------------------------------------------------


def test_grid_saves_scores_and_shows_the_weighted_result(client, login_as, app):
    me = login_as("instructor")
    ids = _setup(app, instructor=me)
    quiz, final = _assessments(app, ids["cohort"], ids["courses"][0])
    e1, e2 = ids["enrollments"]
    response = client.submit(
        _grid_url(ids),
        {
            f"score-{e1}-{quiz}": "85", f"was-{e1}-{quiz}": "",
            f"score-{e1}-{final}": "44.5", f"was-{e1}-{final}": "",
            f"score-{e2}-{quiz}": "", f"was-{e2}-{quiz}": "",
            f"mark-{e2}": "W", f"wasmark-{e2}": "",
        },
    )  # fmt: skip
    assert response.status_code == 302
    assert _scores(app, ids) == [(e1, "Quizzes", D(85)), (e1, "Final", D("44.5"))]
    page = client.get(_grid_url(ids)).get_data(as_text=True)
    assert "3 changes saved" in page
    assert "87.40% B" in page  # 85 × 0.40 + 44.5/50 × 60 = 34 + 53.4
    with app.app_context():
        assert db.session.get(CourseMark, (e2, ids["courses"][0])).result == SpecialResult.WITHDREW
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "gradebook.grades_saved")
        )
        assert event.actor_id == me.id
        assert {"enrollment": str(e1), "assessment": "Quizzes", "from": "", "to": "85"} in (
            event.details["changes"]
        )


def test_a_bad_cell_is_refused_beside_it_and_nothing_is_saved(client, login_as, app):
    login_as("admin")
    ids = _setup(app)
    quiz, final = _assessments(app, ids["cohort"], ids["courses"][0])
    e1, e2 = ids["enrollments"]
    response = client.submit(
        _grid_url(ids),
        {
            f"score-{e1}-{quiz}": "90", f"was-{e1}-{quiz}": "",
            f"score-{e1}-{final}": "abc", f"was-{e1}-{final}": "",
            f"score-{e2}-{final}": "51", f"was-{e2}-{final}": "",
            f"score-{e2}-{quiz}": "-1", f"was-{e2}-{quiz}": "",
        },
    )  # fmt: skip
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Nothing was saved" in page
    assert f'<p class="error" id="score-{e1}-{final}-error">Enter a number, e.g. 87.5.</p>' in page
    assert f'<p class="error" id="score-{e2}-{final}-error">Enter 0 to 50.</p>' in page
    assert f'<p class="error" id="score-{e2}-{quiz}-error">Enter a number, e.g. 87.5.</p>' in page
    assert f'name="score-{e1}-{quiz}" value="90"' in page  # the good cell keeps what was typed
    assert _scores(app, ids) == []


def test_a_cell_changed_meanwhile_is_not_overwritten(client, login_as, app):
    login_as("admin")
    ids = _setup(app, students=1)
    quiz, _final = _assessments(app, ids["cohort"], ids["courses"][0])
    (e1,) = ids["enrollments"]
    with app.app_context():  # another instructor saved 70 after this page was loaded empty
        db.session.add(Score(assessment_id=quiz, enrollment_id=e1, points=D(70)))
        db.session.commit()
    response = client.submit(_grid_url(ids), {f"score-{e1}-{quiz}": "95", f"was-{e1}-{quiz}": ""})
    assert response.status_code == 400
    assert "Changed by someone else meanwhile (now 70)" in response.get_data(as_text=True)
    assert _scores(app, ids) == [(e1, "Quizzes", D(70))]
    # The same value typed by both is no conflict; blank clears a score.
    assert (
        client.submit(
            _grid_url(ids), {f"score-{e1}-{quiz}": "70", f"was-{e1}-{quiz}": ""}
        ).status_code
        == 302
    )
    assert (
        client.submit(
            _grid_url(ids), {f"score-{e1}-{quiz}": "", f"was-{e1}-{quiz}": "70"}
        ).status_code
        == 302
    )
    assert _scores(app, ids) == []


def test_cells_not_edited_here_keep_a_newer_value_saved_meanwhile(client, login_as, app):
    login_as("admin")
    ids = _setup(app, students=1)
    quiz, final = _assessments(app, ids["cohort"], ids["courses"][0])
    (e1,) = ids["enrollments"]
    page = client.get(_grid_url(ids)).get_data(as_text=True)  # both cells blank
    with app.app_context():  # meanwhile a colleague scores the final
        db.session.add(Score(assessment_id=final, enrollment_id=e1, points=D(40)))
        db.session.commit()
    response = client.submit(
        _grid_url(ids),
        {
            f"score-{e1}-{quiz}": "88", f"was-{e1}-{quiz}": "",
            f"score-{e1}-{final}": "", f"was-{e1}-{final}": "",  # left as the page showed it
        },
        page=_grid_url(ids),
    )  # fmt: skip
    assert response.status_code == 302, page
    assert _scores(app, ids) == [(e1, "Quizzes", D(88)), (e1, "Final", D(40))]


def test_after_a_conflict_the_grid_shows_the_stored_value_as_the_new_baseline(
    client, login_as, app
):
    login_as("admin")
    ids = _setup(app, students=1)
    quiz, _final = _assessments(app, ids["cohort"], ids["courses"][0])
    (e1,) = ids["enrollments"]
    with app.app_context():
        db.session.add(Score(assessment_id=quiz, enrollment_id=e1, points=D(70)))
        db.session.commit()
    response = client.submit(_grid_url(ids), {f"score-{e1}-{quiz}": "95", f"was-{e1}-{quiz}": ""})
    page = response.get_data(as_text=True)
    assert f'name="score-{e1}-{quiz}" value="95"' in page  # what this person typed
    assert f'name="was-{e1}-{quiz}" value="70"' in page  # compared with what is stored now
    # Seen the message, they save again on purpose: their value wins.
    again = client.submit(_grid_url(ids), {f"score-{e1}-{quiz}": "95", f"was-{e1}-{quiz}": "70"})
    assert again.status_code == 302
    assert _scores(app, ids) == [(e1, "Quizzes", D(95))]


def test_two_saves_at_the_same_moment_never_lose_an_update(client, login_as, app):
    """A colleague's save is in flight (its transaction holds the gradebook) when this one
    arrives: this one waits, then sees the colleague's 85 and refuses to overwrite it with
    90, on SQLite (exclusive write transactions) and PostgreSQL (a row lock on the cohort;
    without it the second UPDATE would silently win)."""
    import threading
    import time

    from sqlalchemy import text

    from tests.conftest import csrf_token_from

    login_as("admin")
    ids = _setup(app, students=1)
    quiz, _final = _assessments(app, ids["cohort"], ids["courses"][0])
    (e1,) = ids["enrollments"]
    with app.app_context():
        db.session.add(Score(assessment_id=quiz, enrollment_id=e1, points=D(80)))
        db.session.commit()
    token = csrf_token_from(client.get(_grid_url(ids)).get_data(as_text=True))
    results = []

    def save_90() -> None:
        data = {"csrf_token": token, f"score-{e1}-{quiz}": "90", f"was-{e1}-{quiz}": "80"}
        results.append(client.post(_grid_url(ids), data=data))

    with app.app_context():
        colleague = db.engine.connect()
        try:
            colleague.begin()  # on SQLite outside a request: BEGIN IMMEDIATE (the write lock)
            if colleague.dialect.name != "sqlite":
                colleague.execute(
                    text("SELECT id FROM cohorts WHERE id = :id FOR UPDATE"), {"id": ids["cohort"]}
                )
            colleague.execute(
                text(
                    "UPDATE scores SET points = 85 WHERE assessment_id = :a AND enrollment_id = :e"
                ),
                {"a": quiz, "e": e1},
            )
            thread = threading.Thread(target=save_90)
            thread.start()
            time.sleep(0.6)  # the request is now waiting for the colleague
            assert thread.is_alive()
            colleague.commit()
        finally:
            colleague.close()
        thread.join(20)
    (response,) = results
    assert response.status_code == 400
    assert "Changed by someone else meanwhile (now 85)" in response.get_data(as_text=True)
    assert _scores(app, ids) == [(e1, "Quizzes", D(85))]


def test_assessments_changed_since_the_page_was_loaded_are_not_overwritten(app):
    ids = _setup(app)
    quiz, final = _assessments(app, ids["cohort"], ids["courses"][0])
    with app.app_context():
        cohort = db.session.get(Cohort, ids["cohort"])
        # This page showed only Quizzes and Final; a colleague has since replaced Final.
        db.session.delete(db.session.get(Assessment, final))
        db.session.add(
            Assessment(
                cohort_id=cohort.id,
                course_id=ids["courses"][0],
                sequence=2,
                name="Project",
                weight=D(60),
                max_points=D(10),
            )
        )
        db.session.commit()
        with pytest.raises(DomainError, match="Someone changed these assessments"):
            save_assessments(
                cohort=cohort,
                course=cohort.program.courses[0],
                rows=[
                    AssessmentInput(quiz, "Quizzes", "40", "100"),
                    AssessmentInput(final, "Final", "30", "50"),
                    AssessmentInput(None, "Lab", "30", "10"),
                ],
                by=None,
            )


def test_a_graduated_students_record_is_closed(app):
    ids = _setup(app, students=1)
    quiz, final = _assessments(app, ids["cohort"], ids["courses"][0])
    (e1,) = ids["enrollments"]
    with app.app_context():
        db.session.get(Enrollment, e1).status = EnrollmentStatus.GRADUATED
        db.session.commit()
        cohort = db.session.get(Cohort, ids["cohort"])
        with pytest.raises(DomainError) as refused:
            save_grades(
                cohort=cohort,
                course=cohort.program.courses[0],
                scores={(e1, quiz): Cell("", "80")},
                marks={},
                by=None,
            )
        assert "graduated" in refused.value.problems[f"score-{e1}-{quiz}"][0]
        with pytest.raises(DomainError, match="assessments are closed"):
            save_assessments(
                cohort=cohort,
                course=cohort.program.courses[0],
                rows=[
                    AssessmentInput(quiz, "Quizzes", "50", "100"),
                    AssessmentInput(final, "Final", "50", "50"),
                ],
                by=None,
            )


def test_a_course_of_another_program_is_not_found(client, login_as, app):
    login_as("admin")
    ids = _setup(app)
    other = _setup(app)
    assert (
        client.get(f"/cohorts/{ids['cohort']}/gradebook/{other['courses'][0]}").status_code == 404
    )


# --- pages ------------------------------------------------------------------------------------


def _score_everything(app, ids, points=D(80)):
    """Every enrollment scores ``points`` % on one 100 % assessment of every course."""
    with app.app_context():
        cohort = db.session.get(Cohort, ids["cohort"])
        rows = []
        for course in cohort.program.courses:
            a = db.session.scalar(
                select(Assessment).where(
                    Assessment.cohort_id == cohort.id, Assessment.course_id == course.id
                )
            )
            if a is None:
                a = Assessment(
                    cohort_id=cohort.id,
                    course_id=course.id,
                    sequence=1,
                    name="Exam",
                    weight=D(100),
                    max_points=D(100),
                )
                db.session.add(a)
                db.session.flush()
            rows += [
                {"assessment_id": a.id, "enrollment_id": e, "points": points}
                for e in ids["enrollments"]
            ]
        db.session.execute(Score.__table__.insert(), rows)
        db.session.commit()


def test_overview_shows_gpa_failing_courses_and_at_risk(client, login_as, app):
    me = login_as("instructor")
    ids = _setup(app, instructor=me, students=3)
    _score_everything(app, ids)
    e_fail = ids["enrollments"][2]
    with app.app_context():
        first_course = ids["courses"][0]
        score = db.session.scalar(
            select(Score)
            .join(Assessment)
            .where(Score.enrollment_id == e_fail, Assessment.course_id == first_course)
        )
        score.points = D("55.5")
        db.session.commit()
    page = client.get(f"/cohorts/{ids['cohort']}/overview?sort=gpa").get_data(as_text=True)
    assert "C001 55.50%" in page  # the failing course beside the student
    assert page.count(">At risk</span>") == 1
    assert ">2.00<" in page  # F, B, B at 3 credits each: (0 + 9 + 9) / 9
    assert ">3.00<" in page  # B, B, B
    # sorted by GPA ascending: the at-risk student first
    assert page.index("Student 002") < page.index("Student 000")
    desc = client.get(f"/cohorts/{ids['cohort']}/overview?sort=gpa&dir=desc").get_data(True)
    assert desc.index("Student 000") < desc.index("Student 002")


def _add_students(app, ids, n):
    with app.app_context():
        cohort = db.session.get(Cohort, ids["cohort"])
        start = len(ids["enrollments"])
        for i in range(start, start + n):
            e = make_enrollment(
                cohort=cohort,
                student=make_user(role=Role.STUDENT, password=None, name=f"Student {i:03d}"),
            )
            ids["enrollments"].append(e.id)
        db.session.commit()


def test_overview_and_student_dashboard_query_counts_do_not_grow(
    client, login_as, app, count_queries, make_client
):
    login_as("admin")
    ids = _setup(app, students=10)
    _score_everything(app, ids)
    student = make_client()
    with app.app_context():
        email = db.session.get(Enrollment, ids["enrollments"][0]).student.email
        user = db.session.scalar(select(User).where(User.email == email))
        user.password_hash = hash_password("correct horse battery")
        db.session.commit()
    assert login(student, email, "correct horse battery").status_code == 302
    with count_queries() as few:
        assert client.get(f"/cohorts/{ids['cohort']}/overview").status_code == 200
    with count_queries() as few_home:
        assert student.get("/").status_code == 200
    with count_queries() as few_grid:
        assert client.get(_grid_url(ids)).status_code == 200
    more = dict(ids, enrollments=[])
    _add_students(app, more, 190)
    _score_everything(app, {"cohort": ids["cohort"], "enrollments": more["enrollments"]})
    with count_queries() as many:
        page = client.get(f"/cohorts/{ids['cohort']}/overview?sort=gpa&page=3")
        assert page.status_code == 200
    with count_queries() as many_home:
        assert student.get("/").status_code == 200
    with count_queries() as many_grid:
        grid = client.get(_grid_url(ids))
        assert grid.get_data(as_text=True).count('class="score-input"') == 200
    assert many_grid.count == few_grid.count <= 10
    assert "of 200 students" in page.get_data(as_text=True)
    assert many.count == few.count <= 10
    # 6 (was 9): the student's standing reads the courses with the cohort's assessments, the
    # student's points and special results in one statement.
    assert many_home.count == few_home.count <= 6


def test_student_dashboard_shows_their_results(client, login_as, app):
    me = login_as("student")
    with app.app_context():
        cohort = make_cohort(program=make_program(courses=2))
        enrollment = make_enrollment(cohort=cohort, student=db.session.get(User, me.id))
        db.session.commit()
        ids = {"cohort": cohort.id, "enrollments": [enrollment.id]}
    _score_everything(app, ids, points=D("89.995"))  # stored as 90.00 (2 decimals)
    page = client.get("/").get_data(as_text=True)
    assert "90.00%" in page and ">A<" in page
    assert "4.00" in page  # GPA
    assert "Passed" in page


# --- graduation -------------------------------------------------------------------------------


def test_graduation_lists_what_is_missing_then_succeeds(client, login_as, app):
    login_as("admin")
    ids = _setup(app, students=1, courses=3)
    (e1,) = ids["enrollments"]
    with app.app_context():
        cohort = db.session.get(Cohort, ids["cohort"])
        c1, c2, c3 = cohort.program.courses
        c2_id, c3_id = c2.id, c3.id
        for course, pts in ((c1, D(90)), (c2, D(50))):
            a = Assessment(
                cohort_id=cohort.id,
                course_id=course.id,
                sequence=1,
                name="Exam",
                weight=D(100),
                max_points=D(100),
            )
            db.session.add(a)
            db.session.flush()
            db.session.add(Score(assessment_id=a.id, enrollment_id=e1, points=pts))
        db.session.commit()
    response = client.submit(
        f"/admin/enrollments/{e1}/status",
        {"to_status": "graduated", "effective_date": "2027-05-28"},
        page=f"/admin/enrollments/{e1}",
    )
    page = response.get_data(as_text=True)
    assert "Not yet met: C002 Course 2: 50.00% (F) is below the pass mark of 70%." in page
    assert "Not yet met: C003 Course 3: no result yet." in page
    assert "C001" not in page.split("Not yet met")[1]
    with app.app_context():
        assert db.session.get(Enrollment, e1).status == EnrollmentStatus.ACTIVE
        db.session.add(
            CourseMark(enrollment_id=e1, course_id=c3_id, result=SpecialResult.TRANSFER_CREDIT)
        )
        score = db.session.scalar(
            select(Score).join(Assessment).where(Assessment.course_id == c2_id)
        )
        score.points = D(70)
        db.session.commit()
    response = client.submit(
        f"/admin/enrollments/{e1}/status",
        {"to_status": "graduated", "effective_date": "2027-05-28"},
        page=f"/admin/enrollments/{e1}",
    )
    assert response.status_code == 302
    with app.app_context():
        e = db.session.get(Enrollment, e1)
        assert (e.status, e.status_date) == (EnrollmentStatus.GRADUATED, dt.date(2027, 5, 28))


@pytest.mark.parametrize("special", [SpecialResult.WITHDREW, SpecialResult.INCOMPLETE])
def test_w_and_i_block_graduation(app, special):
    ids = _setup(app, students=1, courses=1)
    (e1,) = ids["enrollments"]
    with app.app_context():
        db.session.add(CourseMark(enrollment_id=e1, course_id=ids["courses"][0], result=special))
        db.session.commit()
        enrollment = db.session.get(Enrollment, e1)
        assert unmet_requirements(enrollment) == [
            f"C001 Course 1: {'withdrew (W)' if special == 'W' else 'incomplete (I)'}."
        ]


def test_another_domain_adds_a_graduation_requirement_through_the_hook(app):
    ids = _setup(app, students=1, courses=1)
    (e1,) = ids["enrollments"]
    with app.app_context():
        db.session.add(
            CourseMark(
                enrollment_id=e1,
                course_id=ids["courses"][0],
                result=SpecialResult.TRANSFER_CREDIT,
            )
        )
        db.session.commit()
        enrollment = db.session.get(Enrollment, e1)
        assert unmet_requirements(enrollment) == []

        def check(e):
            return [f"Externship for {e.id}: 0 of 160 hours."]

        add_graduation_check(app, check)
        try:
            with pytest.raises(DomainError) as refused:
                services.change_enrollment_status(
                    enrollment=enrollment,
                    to_status=EnrollmentStatus.GRADUATED,
                    effective_date=TODAY,
                    reason="",
                    last_attendance_date=None,
                    by=None,
                )
            # The field says how many; each requirement is listed under its own key.
            assert refused.value.problems["to_status"] == [
                "Graduation is refused: 1 requirement is not yet met (listed below)."
            ]
            assert refused.value.problems[services.UNMET_REQUIREMENTS] == [
                f"Not yet met: Externship for {e1}: 0 of 160 hours."
            ]
        finally:
            app.extensions[CHECKS_KEY].remove(check)


def test_a_program_with_graduates_keeps_its_scale_and_curriculum(client, login_as, app):
    """A graduate's record is computed from the program's scale and courses: once someone
    has graduated, changing those would rewrite their record."""
    login_as("admin")
    ids = _setup(app, students=1, courses=1)
    (e1,) = ids["enrollments"]
    with app.app_context():
        enrollment = db.session.get(Enrollment, e1)
        enrollment.status = EnrollmentStatus.GRADUATED
        program = enrollment.cohort.program
        program_id, code = program.id, program.code
        db.session.commit()
    form = {
        "code": code, "name": "Medical Billing and Coding Diploma", "target_credential": "CPC",
        "clock_hours": "720", "externship_hours": "160", "daily_hour_cap": "10",
        "pass_mark": "80", "scale_a": "90", "scale_b": "80", "scale_c": "70", "scale_d": "60",
    }  # fmt: skip
    page = client.submit(f"/admin/programs/{program_id}/edit", form).get_data(as_text=True)
    assert f"1 student of {code} graduated under the current scale and curriculum" in page
    assert (
        client.submit(f"/admin/programs/{program_id}/edit", form | {"pass_mark": "70"}).status_code
        == 302
    )
    course = {"code": "NEW1", "title": "New course", "credit_hours": "3", "clock_hours": "45"}
    page = client.submit(f"/admin/programs/{program_id}/courses/new", course).get_data(True)
    assert "graduated under the current scale" in page
    with app.app_context():
        assert db.session.get(Program, program_id).pass_mark == D(70)
        assert len(db.session.get(Program, program_id).courses) == 1


def test_a_students_home_standing_equals_the_cohort_standing(app):
    """current_standing (one statement for the student's courses, assessments, points and
    special results) gives what the cohort's standings give: scored, unscored, special."""
    ids = _setup(app, students=2, courses=4)
    _score_everything(app, {"cohort": ids["cohort"], "enrollments": ids["enrollments"][:1]})
    e1, e2 = ids["enrollments"]
    with app.app_context():
        course_ids = ids["courses"]
        db.session.add(
            Assessment(
                cohort_id=ids["cohort"],
                course_id=course_ids[0],
                sequence=2,
                name="Late",
                weight=D(50),
                max_points=D(20),
            )
        )
        db.session.add(
            CourseMark(enrollment_id=e1, course_id=course_ids[1], result=SpecialResult.WITHDREW)
        )
        db.session.add(
            CourseMark(
                enrollment_id=e2, course_id=course_ids[2], result=SpecialResult.TRANSFER_CREDIT
            )
        )
        db.session.commit()
        for eid in (e1, e2):
            enrollment = db.session.get(Enrollment, eid)
            expected = standings._standings([enrollment], Enrollment.id == eid)[eid]
            got = standings.current_standing(enrollment.student_id)
            assert got is not None and got[0].id == eid
            assert got[1] == expected
