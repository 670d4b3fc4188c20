"""Externship pages: sites and placements (admin), logging hours (student), confirming them
(supervisor), and who may see what."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from sqlalchemy import select

from school.auth.models import Role, User
from school.extensions import db
from school.internships.models import (
    Agreement,
    HourLog,
    LogStatus,
    Placement,
    PlacementStatus,
    Site,
)
from tests.conftest import csrf_token_from, login
from tests.factories import (
    DEFAULT_PASSWORD,
    make_enrollment,
    make_log,
    make_placement,
    make_site,
    make_user,
)

TODAY = dt.date(2027, 4, 15)


@pytest.fixture(autouse=True)
def today(set_today):
    set_today(TODAY)


def test_admin_adds_a_site_with_agreement_and_supervisor_then_places_a_student(
    client, login_as, app, mailbox
):
    login_as("admin")
    response = client.submit(
        "/admin/sites/new",
        {
            "name": "Mercy General HIM", "setting_type": "hospital_him",
            "address": "1 Mercy Way", "contact_name": "Grace Liu", "active": "y",
        },
    )  # fmt: skip
    assert response.status_code == 302
    site_url = response.headers["Location"]
    page = client.get(site_url).get_data(as_text=True)
    assert "No agreement on file" in page
    response = client.submit(
        site_url + "/agreements",
        {"signed_on": "2027-05-01", "expires_on": "2027-01-01"},
        page=site_url,
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Record an agreement once it is signed." in page
    assert "An agreement expires after it is signed." in page
    assert (
        client.submit(
            site_url + "/agreements",
            {"signed_on": "2026-01-05", "expires_on": "2028-01-04"},
            page=site_url,
        ).status_code
        == 302
    )
    response = client.submit(
        site_url + "/supervisors",
        {"email": "g.liu@mercy.example.com", "name": "Grace Liu"},
        page=site_url,
    )
    assert response.status_code == 302
    assert mailbox.to("g.liu@mercy.example.com")  # invited
    with app.app_context():
        site = db.session.scalar(select(Site))
        boss = db.session.scalar(select(User).where(User.role == Role.EMPLOYER))
        enrollment = make_enrollment()
        db.session.commit()
        site_id, boss_id, enrollment_id = site.id, boss.id, enrollment.id
    url = f"/admin/enrollments/{enrollment_id}/placement"
    form = {
        "site_id": str(site_id), "supervisor_id": str(boss_id), "start_date": "2027-03-01",
        "end_date": "2027-06-30", "required_hours": "160",
    }  # fmt: skip
    response = client.submit(url, form)
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<strong>0</strong> of 160 hours confirmed" in page
    again = client.submit(url, form).get_data(as_text=True)
    assert "already has an open placement at Mercy General HIM" in again


def test_expiring_and_expired_agreements_are_listed(client, login_as, app):
    login_as("admin")
    with app.app_context():
        make_site(name="Soon", signed=dt.date(2026, 1, 1), expires=dt.date(2027, 5, 1))
        make_site(name="Gone", signed=dt.date(2025, 1, 1), expires=dt.date(2027, 1, 1))
        make_site(name="Fine", signed=dt.date(2026, 1, 1), expires=dt.date(2029, 1, 1))
        make_site(name="Never", signed=None, expires=None)
        db.session.commit()
    expiring = client.get("/admin/sites?agreement=expiring").get_data(as_text=True)
    assert "Soon" in expiring and "Gone" not in expiring and "Fine" not in expiring
    expired = client.get("/admin/sites?agreement=expired").get_data(as_text=True)
    assert "Gone" in expired and "Never" in expired and "Soon" not in expired
    everything = client.get("/admin/sites").get_data(as_text=True)
    assert "Expires May 1, 2027" in everything and "No agreement" in everything


def _student_with_placement(app, client):
    with app.app_context():
        student = make_user(role=Role.STUDENT)
        placement = make_placement(enrollment=make_enrollment(student=student))
        db.session.commit()
        assert login(client, student.email, DEFAULT_PASSWORD).status_code == 302
        return placement.id, placement.supervisor_id


def test_student_logs_hours_with_errors_at_the_fields(client, app):
    _student_with_placement(app, client)
    response = client.submit(
        "/externship", {"work_date": "2027-04-16", "hours": "7.3", "activities": ""}
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "not in the future" in page
    assert "Use quarter hours" in page
    assert "Describe what you did" in page
    response = client.submit(
        "/externship",
        {"work_date": "2027-04-14", "hours": "7.5", "activities": "Coded 40 <ED> charts"},
    )
    assert response.status_code == 302
    page = client.get("/externship").get_data(as_text=True)
    assert "Coded 40 &lt;ED&gt; charts" in page
    assert "<strong>0</strong> of 160 hours confirmed" in page
    assert "7.5 waiting for the supervisor" in page
    with app.app_context():
        log = db.session.scalar(select(HourLog))
        assert (log.hours, log.status) == (D("7.5"), LogStatus.PENDING)
        log_id = log.id
    response = client.submit(
        f"/externship/logs/{log_id}/edit",
        {"work_date": "2027-04-14", "hours": "8", "activities": "Coded 44 ED charts"},
    )
    assert response.status_code == 302
    response = client.button(f"/externship/logs/{log_id}/withdraw", page="/externship")
    assert response.status_code == 302
    with app.app_context():
        log = db.session.get(HourLog, log_id)
        assert (log.hours, log.status, log.version) == (D(8), LogStatus.WITHDRAWN, 3)


def test_supervisor_confirms_in_bulk_and_a_second_decision_is_told_it_came_late(
    client, app, make_client
):
    with app.app_context():
        boss = make_user(role=Role.EMPLOYER)
        site = make_site(supervisors=[boss])
        logs = []
        for name in ("Ann", "Bo"):
            placement = make_placement(
                enrollment=make_enrollment(student=make_user(role=Role.STUDENT, name=name)),
                site=site,
                supervisor=boss,
            )
            logs.append(make_log(placement=placement, day=dt.date(2027, 4, 14)).id)
        other = make_log(placement=make_placement(), day=dt.date(2027, 4, 14))  # another site
        db.session.commit()
        boss_email, other_id = boss.email, other.id
    assert login(client, boss_email, DEFAULT_PASSWORD).status_code == 302
    page = client.get("/supervisor/hours").get_data(as_text=True)
    assert "Ann" in page and "Bo" in page
    assert f'value="{other_id}"' not in page  # another site's log is not listed
    second_tab = make_client()
    assert login(second_tab, boss_email, DEFAULT_PASSWORD).status_code == 302
    token_page = "/supervisor/hours"
    first = client.submit(
        "/supervisor/hours", {"log_id": [str(i) for i in logs], "decision": "confirm"}
    )
    assert first.status_code == 302
    assert "2 logs confirmed." in client.get(first.headers["Location"]).get_data(as_text=True)
    late = second_tab.submit(
        "/supervisor/hours",
        {"log_id": [str(logs[0])], "decision": "reject", "note": "No"},
        page=token_page,
        follow_redirects=True,
    )
    assert "1 log was already decided by someone else" in late.get_data(as_text=True)
    with app.app_context():
        statuses = [db.session.get(HourLog, i).status for i in logs]
        assert statuses == [LogStatus.CONFIRMED, LogStatus.CONFIRMED]
    # A log of another site is not found; a note is required to reject.
    assert (
        client.submit(
            "/supervisor/hours", {"log_id": [str(other_id)], "decision": "confirm"}
        ).status_code
        == 404
    )
    with app.app_context():
        assert db.session.get(HourLog, other_id).status == LogStatus.PENDING


def test_reject_needs_a_note_shown_beside_the_field(client, app):
    with app.app_context():
        boss = make_user(role=Role.EMPLOYER)
        placement = make_placement(supervisor=boss, site=make_site(supervisors=[boss]))
        log_id = make_log(placement=placement, day=dt.date(2027, 4, 14)).id
        db.session.commit()
        email = boss.email
    assert login(client, email, DEFAULT_PASSWORD).status_code == 302
    response = client.submit("/supervisor/hours", {"log_id": [str(log_id)], "decision": "reject"})
    assert response.status_code == 400
    assert "a note is required" in response.get_data(as_text=True)
    assert f'value="{log_id}" id="log-{log_id}" checked' in response.get_data(as_text=True)


def test_student_dashboard_shows_the_externship_card(client, app):
    placement_id, _ = _student_with_placement(app, client)
    with app.app_context():
        placement = db.session.get(Placement, placement_id)
        make_log(placement=placement, day=dt.date(2027, 4, 13), status=LogStatus.CONFIRMED)
        make_log(placement=placement, day=dt.date(2027, 4, 14), hours=D("4"))
        db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert "Externship at Site" in page
    assert (
        "<strong>8</strong> of 160 hours confirmed (5.00%); 4 waiting for the supervisor; " in page
    )
    assert "152 to go." in page


def test_student_dashboard_card_is_the_open_placement_with_its_own_hours(client, app):
    placement_id, _ = _student_with_placement(app, client)
    with app.app_context():
        placement = db.session.get(Placement, placement_id)
        # Started later, but ended early: not the card's while another one is open.
        earlier = Placement(
            enrollment=placement.enrollment,
            site=make_site(name="Earlier Clinic"),
            supervisor=placement.supervisor,
            start_date=dt.date(2027, 5, 1),
            end_date=dt.date(2027, 6, 30),
            required_hours=D("80"),
            status=PlacementStatus.ENDED_EARLY,
        )
        db.session.add(earlier)
        make_log(placement=earlier, day=dt.date(2027, 5, 3), status=LogStatus.CONFIRMED)
        make_log(placement=placement, day=dt.date(2027, 4, 12), status=LogStatus.CONFIRMED)
        make_log(placement=placement, day=dt.date(2027, 4, 13), status=LogStatus.REJECTED)
        make_log(placement=placement, day=dt.date(2027, 4, 14), hours=D("2.5"))
        db.session.commit()
        site = placement.site.name
    page = client.get("/").get_data(as_text=True)
    assert f"Externship at {site}" in page and "Earlier Clinic" not in page
    assert (
        "<strong>8</strong> of 160 hours confirmed (5.00%); 2.5 waiting for the supervisor" in page
    )
    with app.app_context():
        db.session.get(Placement, placement_id).status = PlacementStatus.COMPLETED
        db.session.commit()
    # No open placement: the latest by start date.
    page = client.get("/").get_data(as_text=True)
    assert "Externship at Earlier Clinic" in page
    assert "<strong>8</strong> of 80 hours confirmed (10.00%); 72 to go." in page


def test_progress_page_shows_the_placement_to_the_student_and_the_admin(client, app, login_as):
    # The progress page (reached from the cohort overview and the enrollment page) said the
    # placement "appears once the school places the student" for every placed student.
    placement_id, _ = _student_with_placement(app, client)
    with app.app_context():
        placement = db.session.get(Placement, placement_id)
        make_log(placement=placement, day=dt.date(2027, 4, 13), status=LogStatus.CONFIRMED)
        db.session.commit()
        enrollment_id, site = placement.enrollment_id, placement.site.name
        unplaced = make_enrollment(cohort=placement.enrollment.cohort)
        db.session.commit()
        unplaced_id = unplaced.id
    for viewer in ("student", "admin"):
        if viewer == "admin":
            client.post("/logout", data={"csrf_token": csrf_token_from(client.get("/").text)})
            login_as(Role.ADMIN)
        page = client.get(f"/enrollments/{enrollment_id}/progress").get_data(as_text=True)
        assert f"Externship at {site}" in page, viewer
        assert "<strong>8</strong> of 160 hours confirmed (5.00%)" in page, viewer
        assert "once the school places" not in page, viewer
    page = client.get(f"/enrollments/{unplaced_id}/progress").get_data(as_text=True)
    assert "appear here once the school places the student" in page
    assert "Externship at" not in page


def test_supervisor_page_query_count_does_not_grow(client, app, count_queries):
    with app.app_context():
        boss = make_user(role=Role.EMPLOYER)
        site = make_site(supervisors=[boss])
        db.session.commit()
        email, boss_id, site_id = boss.email, boss.id, site.id
    assert login(client, email, DEFAULT_PASSWORD).status_code == 302

    def add(n):
        with app.app_context():
            boss, site = db.session.get(User, boss_id), db.session.get(Site, site_id)
            for _ in range(n):
                placement = make_placement(site=site, supervisor=boss)
                make_log(placement=placement, day=dt.date(2027, 4, 14))
            db.session.commit()

    add(10)
    with count_queries() as few:
        assert client.get("/supervisor/hours").status_code == 200
    with count_queries() as few_home:
        assert client.get("/").status_code == 200
    add(190)
    with count_queries() as many:
        page = client.get("/supervisor/hours").get_data(as_text=True)
    with count_queries() as many_home:
        assert client.get("/").status_code == 200
    assert page.count('name="log_id"') == 200
    assert many.count == few.count <= 6
    assert many_home.count == few_home.count


def test_no_new_placement_where_the_agreement_expired_says_so_on_the_page(client, login_as, app):
    login_as("admin")
    with app.app_context():
        boss = make_user(role=Role.EMPLOYER, password=None)
        site = make_site(name="Lakeside", supervisors=[boss], expires=dt.date(2027, 1, 31))
        enrollment = make_enrollment()
        db.session.commit()
        ids = (site.id, boss.id, enrollment.id)
        assert db.session.scalar(select(Agreement.expires_on)) == dt.date(2027, 1, 31)
    page = client.submit(
        f"/admin/enrollments/{ids[2]}/placement",
        {
            "site_id": str(ids[0]), "supervisor_id": str(ids[1]), "start_date": "2027-03-01",
            "end_date": "2027-06-30", "required_hours": "160",
        },
    ).get_data(as_text=True)  # fmt: skip
    assert "The agreement with Lakeside expired on Jan 31, 2027" in page


def test_supervisor_evaluates_from_their_home_page(client, app):
    with app.app_context():
        boss = make_user(role=Role.EMPLOYER)
        student = make_user(role=Role.STUDENT, name="Ann Lee")
        placement = make_placement(
            enrollment=make_enrollment(student=student),
            supervisor=boss,
            site=make_site(supervisors=[boss]),
            required_hours=D(8),
        )
        make_log(placement=placement, day=dt.date(2027, 4, 14), status=LogStatus.CONFIRMED)
        db.session.commit()
        email, placement_id = boss.email, placement.id
    assert login(client, email, DEFAULT_PASSWORD).status_code == 302
    home = client.get("/").get_data(as_text=True)
    assert "Ann Lee" in home and "8 of 8" in home and "Evaluate" in home
    url = f"/supervisor/placements/{placement_id}/evaluation"
    response = client.submit(url, {"icd_accuracy": "5", "comments": "Great"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Rate cpt/hcpcs coding accuracy from 1 (poor) to 5 (excellent)." in page
    assert "Say whether you would hire this student." in page
    ratings = {name: "4" for name in (
        "icd_accuracy", "cpt_accuracy", "documentation_review", "compliance", "productivity",
        "professionalism",
    )}  # fmt: skip
    response = client.submit(url, ratings | {"would_hire": "yes", "comments": "Great"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Placement, placement_id).status.value == "completed"
    # Complete: it leaves the supervisor's list of current students.
    assert "No student is placed at your site right now." in client.get("/").get_data(True)
    assert "Would hire" in client.get(url).get_data(as_text=True)


def test_placements_board_flags_and_query_count(client, login_as, app, count_queries, monkeypatch):
    """Students without a placement, behind a steady pace, or with hours pending for more
    than 7 days; the page's statements do not grow from 10 to 200 placements."""
    from school.cohorts.models import Cohort
    from school.database import utcnow

    login_as("admin")
    with app.app_context():
        cohort = make_enrollment().cohort
        unplaced = make_enrollment(
            cohort=cohort, student=make_user(role=Role.STUDENT, name="Una Placed")
        )
        sol = make_user(role=Role.STUDENT, name="Sol Slow")
        slow = make_placement(
            enrollment=make_enrollment(cohort=cohort, student=sol),
            start=dt.date(2027, 3, 1), end=dt.date(2027, 4, 30), required_hours=D(160),
        )  # fmt: skip
        old = make_log(placement=slow, day=dt.date(2027, 3, 2))
        old.submitted_at = utcnow() - dt.timedelta(days=9)
        db.session.commit()
        cohort_id = cohort.id
        assert unplaced.id
    url = f"/admin/cohorts/{cohort_id}/placements"
    page = client.get(url).get_data(as_text=True)
    assert "Una Placed" in page and "No placement" in page
    assert ">behind</span>" in page  # 0 confirmed; a steady pace expects 120 by Apr 15
    assert "since" in page  # pending for 9 days
    assert "Sol Slow" not in client.get(url + "?show=unplaced").get_data(as_text=True)
    assert "Una Placed" not in client.get(url + "?show=stale").get_data(as_text=True)

    def add(n):
        with app.app_context():
            cohort = db.session.get(Cohort, cohort_id)
            for _ in range(n):
                p = make_placement(enrollment=make_enrollment(cohort=cohort))
                make_log(placement=p, day=dt.date(2027, 4, 14))
            db.session.commit()

    add(8)
    with count_queries() as few:
        assert client.get(url).status_code == 200
    add(190)
    with count_queries() as many:
        assert client.get(url).status_code == 200
    assert many.count == few.count <= 9
