"""Command line: users create, demo."""

from __future__ import annotations

from alembic.script import ScriptDirectory
from flask_migrate import upgrade
from sqlalchemy import func, inspect, select

from school.audit import AuditEvent
from school.auth.models import Role, User
from school.certifications.models import Attempt, AwardedCredential, Credential
from school.certifications.queries import cohort_readiness
from school.cohorts.grade_arithmetic import ResultState
from school.cohorts.models import Cohort, Enrollment, EnrollmentStatus, Program
from school.cohorts.standings import cohort_overview
from school.database import school_today
from school.demo.data import (
    DEMO_IMPORTED_LOGINS,
    DEMO_LOGINS,
    DEMO_PASSWORD,
    DEMO_PAST_NAMES,
    DEMO_ROSTER_NAMES,
    DEMO_USERS,
)
from school.extensions import db
from school.internships.models import (
    Agreement,
    Evaluation,
    HourLog,
    LogStatus,
    Placement,
    PlacementStatus,
    Site,
)
from school.mail import OutboxMessage
from school.outcomes import rates
from school.outcomes.models import Job, Source
from school.pagination import Listing
from school.reports.models import Disclosure, IssuedTranscript
from tests.conftest import csrf_token_from, login


def _users(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(User))


def test_users_create_with_password_from_stdin(app, client):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--role",
            "admin",
            "--email",
            "Boss@Example.com",
            "--password-stdin",
        ],
        input="a-long-admin-passphrase\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created admin boss@example.com" in result.output
    with app.app_context():
        user = db.session.scalar(select(User))
        assert user.role == Role.ADMIN and user.name == "Boss"
        event = db.session.scalar(select(AuditEvent))
        assert event.action == "user.created" and event.actor_label == "command line"
    assert login(client, "boss@example.com", "a-long-admin-passphrase").status_code == 302


def test_users_create_with_prompted_password(app):
    result = app.test_cli_runner().invoke(
        args=["users", "create", "--role", "student", "--email", "s@example.com", "--name", "Sam"],
        input="prompted-passphrase\nprompted-passphrase\n",
    )
    assert result.exit_code == 0, result.output
    assert _users(app) == 1


def create_user(app, email: str, password: str, role: str = "admin"):
    args = ["users", "create", "--role", role, "--email", email, "--password-stdin"]
    return app.test_cli_runner().invoke(args=args, input=password + "\n")


def test_users_create_reports_every_problem_and_writes_nothing(app):
    assert create_user(app, "dup@example.com", "a-long-admin-passphrase").exit_code == 0
    result = create_user(app, "dup@example.com", "short")
    assert result.exit_code == 1
    assert "email: dup@example.com already has an account." in result.output
    assert "password: Use at least 10 characters." in result.output
    assert _users(app) == 1


def test_users_create_refuses_unknown_role(app):
    result = app.test_cli_runner().invoke(
        args=[
            "users",
            "create",
            "--role",
            "wizard",
            "--email",
            "w@example.com",
            "--password-stdin",
        ],
        input="a-long-admin-passphrase\n",
    )
    assert result.exit_code == 2
    assert _users(app) == 0


def test_demo_loads_once_and_its_logins_work(app, client):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    assert f"password for all: {DEMO_PASSWORD}" in result.output
    for _role, _name, email in DEMO_LOGINS:
        assert email in result.output
    assert _users(app) == len(DEMO_USERS) + len(DEMO_ROSTER_NAMES) + len(
        DEMO_PAST_NAMES
    )  # the rest came by import
    roles = {role for role, _n, _e in DEMO_USERS}
    assert roles == set(Role)

    again = runner.invoke(args=["demo"])
    assert again.exit_code == 1 and "needs an empty database" in again.output
    quiet = runner.invoke(args=["demo", "--if-empty"])
    assert quiet.exit_code == 0 and "not loaded" in quiet.output
    assert _users(app) == len(DEMO_USERS) + len(DEMO_ROSTER_NAMES) + len(DEMO_PAST_NAMES)

    with app.app_context():
        # Every load numbers alike: the earlier agreements follow their sites' ids (a set of
        # sites was iterated in memory order, swapping ids between loads).
        earlier = db.session.scalars(
            select(Agreement.site_id)
            .where(Agreement.note == "Earlier agreement (since renewed)")
            .order_by(Agreement.id)
        ).all()
        assert len(earlier) >= 2 and earlier == sorted(earlier)
        programs = {p.code: p for p in db.session.scalars(select(Program))}
        assert set(programs) == {"MBC-DIP", "CPC-PREP"}
        diploma = [c.title for c in programs["MBC-DIP"].courses]
        assert diploma[0] == "Medical Terminology" and diploma[-1] == "CPC Exam Review"
        assert len(diploma) == 11 and programs["MBC-DIP"].externship_hours == 160
        assert not programs["CPC-PREP"].requires_externship
        past, *cohorts = db.session.scalars(select(Cohort).order_by(Cohort.start_date)).all()
        today = school_today()
        assert [c.status(today) for c in [past, *cohorts]] == ["finished", "running", "upcoming"]
        assert [u.email for u in cohorts[0].instructors] == ["p.raman@demo.school"]
        statuses = db.session.scalars(
            select(Enrollment.status)
            .where(Enrollment.cohort_id == cohorts[0].id)
            .order_by(Enrollment.id)
        ).all()
        assert statuses == (
            [EnrollmentStatus.ACTIVE] * 3
            + [EnrollmentStatus.LEAVE_OF_ABSENCE]
            + [EnrollmentStatus.ACTIVE] * (len(DEMO_ROSTER_NAMES) + 1)  # + Leticia's re-entry
        )
        # Grades: two finished courses, one half-way; Chloe has transfer credit; some at risk.
        overview = cohort_overview(cohorts[0], Listing(1, 100, "name", "asc"))
        by_email = {r.enrollment.student.email: r.standing for r in overview.page.items}
        chloe = by_email["chloe.nguyen@demo.school"]
        assert [r.letter for r in chloe.results[:1]] == ["TC"]
        assert chloe.results[2].state == ResultState.IN_PROGRESS
        assert all(s.gpa is not None for s in by_email.values())
        assert 0 < overview.at_risk < len(by_email)
        assert by_email["ben.carter@demo.school"].at_risk
        # Externships: four sites (one agreement expiring soon, one expired), four
        # placements with confirmed, pending and needs-information logs.
        assert db.session.scalar(select(func.count()).select_from(Site)) == 4
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(Placement)
                .join(Enrollment)
                .where(Enrollment.cohort_id == cohorts[0].id)
            )
            == 4
        )
        statuses = set(db.session.scalars(select(HourLog.status)))
        assert statuses == {LogStatus.CONFIRMED, LogStatus.PENDING, LogStatus.NEEDS_INFO}
        # Certification: the catalog, verified attempts (a fail then a pass), one unverified.
        assert db.session.scalar(select(func.count()).select_from(Credential)) == 9
        attempts = db.session.scalars(
            select(Attempt)
            .join(Enrollment, Enrollment.student_id == Attempt.student_id)
            .where(Enrollment.cohort_id == cohorts[0].id, Enrollment.reentry_of_id.is_(None))
            .order_by(Attempt.exam_date)
        ).all()
        assert [(a.result.value, a.verified) for a in attempts] == [
            ("failed", True),
            ("passed", True),
            ("failed", False),
        ]
        # Exam prep: Alicia ready, Ben not (his last mock is below 70%), Chloe not.
        plan, rows = cohort_readiness(cohorts[0].id, cohorts[0].program_id)
        ready = {r.enrollment.student.email: r.verdict.ready for r in rows}
        assert ready["alicia.moreno@demo.school"] is True
        assert ready["ben.carter@demo.school"] is False
        assert ready["chloe.nguyen@demo.school"] is False
        assert len(plan.steps) == 6

        # Outcomes: the past cohort graduated in the last completed reporting year.
        period = rates.reporting_year(today)
        report = rates.outcome_rates(period, rates.thresholds_from(app.config))
        counts = report.total.counts
        assert {k: counts[k] for k in ("BE", "NS", "RE", "EE", "G", "W")} == {
            "BE": 13,
            "NS": 0,
            "RE": 0,
            "EE": 0,
            "G": 12,
            "W": 1,
        }
        assert report.total.balanced
        assert {k: counts[k] for k in ("F", "R", "X", "U", "K")} == {
            "F": 5,
            "R": 1,
            "X": 1,
            "U": 2,
            "K": 3,
        }
        assert (counts["sat"], counts["passed"], counts["passed_first"]) == (9, 8, 7)
        assert all(r.denominator for r in report.total.rates.values())
        assert (
            db.session.scalar(
                select(func.count()).select_from(Job).where(Job.source == Source.EMPLOYER_LINK)
            )
            == 1
        )
        # Official transcripts: three released (one revoked), each in a disclosure log.
        issued = db.session.scalars(select(IssuedTranscript)).all()
        assert len(issued) == 3 and sum(t.revoked_at is not None for t in issued) == 1
        assert db.session.scalar(select(func.count()).select_from(Disclosure)) == 3
        _assert_demo_states(cohorts[0])

    admin_email = next(e for r, _n, e in DEMO_USERS if r == Role.ADMIN)
    assert login(client, admin_email, DEMO_PASSWORD).status_code == 302
    assert client.get("/admin/outcomes").status_code == 200
    assert client.get("/admin/graduates?status=unknown").status_code == 200
    client.post("/logout", data={"csrf_token": csrf_token_from(client.get("/").text)})
    for _role, _name, email in DEMO_IMPORTED_LOGINS:  # imported students given the password
        assert login(client, email, DEMO_PASSWORD).status_code == 302, email
        client.post("/logout", data={"csrf_token": csrf_token_from(client.get("/").text)})


def _assert_demo_states(running: Cohort) -> None:
    """The states the page walk needs, and the demo-data fixes of issue 14."""
    users = {u.email: u for u in db.session.scalars(select(User))}
    # Addresses spell accented names without the accents, not without the letters.
    for email in (
        "maria.jose.gomez@demo.school",
        "siobhan.oconnor@demo.school",
        "jose.ramirez@demo.school",
        "angela.martinez@demo.school",
        "eun-ji.park@demo.school",
        "fatima.al-sayed@demo.school",
    ):
        assert email in users, sorted(users)
    assert all(email.isascii() for email in users)
    # A supervisor's name is a person's name (forms print the site beside it).
    for site in db.session.scalars(select(Site)):
        for boss in site.supervisors:
            assert boss.name == site.contact_name, (boss.name, site.name)
    # Students given the demo password, each in a state of their own.
    for _role, name, email in DEMO_IMPORTED_LOGINS:
        assert users[email].name == name and users[email].password_hash is not None
    states = {
        email: db.session.scalars(
            select(Enrollment.status)
            .where(Enrollment.student_id == users[email].id)
            .order_by(Enrollment.id)
        ).all()
        for _role, _name, email in DEMO_IMPORTED_LOGINS
    }
    assert states == {
        "angela.martinez@demo.school": [EnrollmentStatus.GRADUATED],
        "eun-ji.park@demo.school": [EnrollmentStatus.GRADUATED],
        "destiny.jackson@demo.school": [EnrollmentStatus.WITHDRAWN],
        "leticia.ortiz@demo.school": [EnrollmentStatus.WITHDRAWN, EnrollmentStatus.ACTIVE],
    }
    revoked = db.session.scalars(
        select(IssuedTranscript.student_id).where(IssuedTranscript.revoked_at.is_not(None))
    ).all()
    assert revoked == [users["eun-ji.park@demo.school"].id]
    # A CPC-A (Chloe, still a student) and a CPC without the apprentice designation.
    awards = {a.student_id: a.apprentice for a in db.session.scalars(select(AwardedCredential))}
    assert awards[users["chloe.nguyen@demo.school"].id] is True
    assert [sid for sid, apprentice in awards.items() if not apprentice] == [
        users["gabrielle.dubois@demo.school"].id
    ]
    # An open placement evaluated early (Rosa), with hours still pending.
    early = db.session.scalars(
        select(Placement)
        .join(Evaluation, Evaluation.placement_id == Placement.id)
        .where(Placement.status == PlacementStatus.ACTIVE)
    ).all()
    assert [p.enrollment.student.email for p in early] == ["rosa.delgado@demo.school"]
    assert early[0].enrollment.cohort_id == running.id
    # The emails a newcomer finds in the outbox: two invitations, a link to each supervisor
    # for the pending hours, the job verification still unanswered (and the answered one).
    kinds = {"invited": "invitation", "to confirm": "hours", "employment": "job"}
    outbox = sorted(
        (m.to_address, *[kind for words, kind in kinds.items() if words in m.subject])
        for m in db.session.scalars(select(OutboxMessage))
    )
    assert outbox == [
        ("fatima.al-sayed@demo.school", "invitation"),
        ("g.liu@mercy-general.demo.school", "hours"),
        ("hr@mercy-general.demo.school", "job"),
        ("jamal.brooks@demo.school", "invitation"),
        ("o.haddad@lakeside-clinic.demo.school", "hours"),
        ("office@lakeside-clinic.demo.school", "job"),
    ]


def test_users_invite_sends_the_invitation_by_email(app, client, mailbox):
    result = app.test_cli_runner().invoke(
        args=["users", "invite", "--role", "instructor", "--email", "new@example.com",
              "--name", "Nia Instructor"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Invited instructor new@example.com" in result.output and "email sent" in result.output
    [message] = mailbox.to("new@example.com")
    assert "You are invited to" in message["Subject"] and "/invitation/" in mailbox.body(message)
    again = app.test_cli_runner().invoke(
        args=["users", "invite", "--role", "student", "--email", "new@example.com", "--name", "X"]
    )
    assert again.exit_code == 1 and "already has an account" in again.output


def test_invitation_links_from_the_command_line_use_external_url(app, mailbox, monkeypatch):
    monkeypatch.setitem(app.config, "EXTERNAL_URL", "https://records.example.edu")
    result = app.test_cli_runner().invoke(
        args=["users", "invite", "--role", "student", "--email", "s@example.com", "--name", "S"]
    )
    assert result.exit_code == 0, result.output
    assert mailbox.last_link("s@example.com").startswith("https://records.example.edu/invitation/")


def test_demo_on_a_database_never_upgraded_says_to_upgrade_first(make_app, tmp_path):
    app = make_app(DATABASE_URL=f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    result = app.test_cli_runner().invoke(args=["demo", "--if-empty"])
    assert result.exit_code == 1, result.output
    assert result.output == (
        "Error: The database has no tables yet: run `flask --app wsgi db upgrade` first.\n"
    )
    with app.app_context():
        assert inspect(db.engine).get_table_names() == []  # nothing half-made


def test_demo_on_a_database_behind_the_migrations_says_to_upgrade_first(make_app, tmp_path):
    app = make_app(DATABASE_URL=f"sqlite:///{tmp_path / 'old.sqlite3'}")
    with app.app_context():
        script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
        head = script.get_current_head()
        previous = script.get_revision(head).down_revision
        upgrade(revision=previous)
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 1, result.output
    assert f"schema is at revision {previous}, not the current {head}" in result.output
    assert "run `flask --app wsgi db upgrade` first." in result.output
    assert _users(app) == 0
