"""Placements: no placement without an agreement in force, one open placement per enrollment,
ending a placement early, and the steady pace of hours the placements board expects."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest

from school.auth.models import Role, User
from school.cohorts.models import Enrollment
from school.extensions import db
from school.internships.models import Placement, Site
from school.internships.services import hours as hour_services
from school.internships.services import placements as placement_services
from tests.factories import make_enrollment, make_placement, make_site, make_user
from tests.internships.test_services import _log, _problems

TODAY = dt.date(2027, 4, 15)


@pytest.fixture(autouse=True)
def today(set_today):
    set_today(TODAY)


def _placement_data(site, supervisor, **overrides):
    values = {
        "site_id": site.id,
        "supervisor_id": supervisor.id,
        "start_date": dt.date(2027, 3, 1),
        "end_date": dt.date(2027, 6, 30),
        "required_hours": D(160),
    } | overrides
    return placement_services.PlacementData(**values)


def test_no_placement_at_a_site_whose_agreement_expired(app):
    with app.app_context():
        boss = make_user(role=Role.EMPLOYER, password=None)
        expired = make_site(
            name="Lakeside",
            supervisors=[boss],
            signed=dt.date(2024, 1, 1),
            expires=dt.date(2027, 1, 31),
        )
        none = make_site(name="Nowhere", supervisors=[boss], signed=None, expires=None)
        enrollment = make_enrollment()
        db.session.commit()
        problems = _problems(
            lambda: placement_services.create_placement(
                enrollment=enrollment, data=_placement_data(expired, boss), by=None
            )
        )
        assert problems["site_id"] == [
            "The agreement with Lakeside expired on Jan 31, 2027; "
            "record the renewed agreement first."
        ]
        problems = _problems(
            lambda: placement_services.create_placement(
                enrollment=db.session.get(Enrollment, enrollment.id),
                data=_placement_data(db.session.get(Site, none.id), db.session.get(User, boss.id)),
                by=None,
            )
        )
        assert problems["site_id"] == ["Nowhere has no affiliation agreement on file."]


def test_placement_rules_and_one_open_placement_per_enrollment(app):
    with app.app_context():
        boss = make_user(role=Role.EMPLOYER, password=None)
        stranger = make_user(role=Role.EMPLOYER, password=None, name="Stranger")
        site = make_site(name="Mercy", supervisors=[boss])
        enrollment = make_enrollment()
        db.session.commit()
        problems = _problems(
            lambda: placement_services.create_placement(
                enrollment=enrollment,
                data=_placement_data(
                    site,
                    stranger,
                    end_date=dt.date(2027, 2, 1),
                    required_hours=D("10.1"),
                ),
                by=None,
            )
        )
        assert problems == {
            "end_date": ["The last day is on or after the first."],
            "supervisor_id": ["Stranger does not supervise at Mercy."],
            "required_hours": ["Enter 0.25 to 2,000 hours, in quarter hours."],
        }
        enrollment = db.session.get(Enrollment, enrollment.id)
        site, boss = db.session.get(Site, site.id), db.session.get(User, boss.id)
        placement_services.create_placement(
            enrollment=enrollment, data=_placement_data(site, boss), by=None
        )
        db.session.commit()
        problems = _problems(
            lambda: placement_services.create_placement(
                enrollment=enrollment, data=_placement_data(site, boss), by=None
            )
        )
        assert "already has an open placement at Mercy" in problems[""][0]


# --- hour logs ----------------------------------------------------------------------------


def test_ending_a_placement_early_closes_it_to_new_logs(app):
    with app.app_context():
        placement = make_placement()
        student = placement.enrollment.student
        db.session.commit()
        problems = _problems(
            lambda: placement_services.end_placement(placement=placement, ended_on=None, reason="")
        )
        assert set(problems) == {"ended_on", "reason"}
        placement = db.session.get(Placement, placement.id)
        placement_services.end_placement(placement=placement, ended_on=TODAY, reason="Site closed")
        db.session.commit()
        placement = db.session.get(Placement, placement.id)
        assert placement.state(TODAY) == "ended_early"
        problems = _problems(
            lambda: hour_services.add_log(placement=placement, data=_log(placement), by=student)
        )
        assert problems[""] == ["This placement is closed; hours can no longer be logged."]


def test_steady_pace_is_in_quarter_hours_and_bounded():
    from types import SimpleNamespace

    from school.internships.queries.board import expected_hours

    p = SimpleNamespace(
        start_date=dt.date(2027, 3, 1), end_date=dt.date(2027, 3, 3), required_hours=D(10)
    )
    assert expected_hours(p, dt.date(2027, 2, 1)) == 0
    assert expected_hours(p, dt.date(2027, 3, 1)) == D("3.25")  # 10/3 = 3.33… → 3.25
    assert expected_hours(p, dt.date(2027, 3, 2)) == D("6.75")  # 6.66… → 6.75
    assert expected_hours(p, dt.date(2027, 4, 1)) == D(10)
