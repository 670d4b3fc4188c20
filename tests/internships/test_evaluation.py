"""The supervisor's evaluation: a warning and an explicit choice when it is sent before the
hours are complete; corrections (versioned, audited) by the supervisor or an administrator
until the placement is complete."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from sqlalchemy import select, update

from school.audit import AuditEvent
from school.auth.models import Role, User
from school.errors import DomainError
from school.extensions import db
from school.internships.models import (
    RATINGS,
    Evaluation,
    LogStatus,
    Placement,
    PlacementStatus,
)
from school.internships.services import evaluations as evaluation_services
from school.internships.services import placements as placement_services
from tests.conftest import login
from tests.factories import make_enrollment, make_log, make_placement, make_site, make_user

TODAY = dt.date(2027, 4, 15)
RATED = {name: "4" for name, _ in RATINGS}
SENT = RATED | {"would_hire": "yes", "comments": "Careful coder"}


@pytest.fixture(autouse=True)
def today(set_today):
    set_today(TODAY)


def _placement(app, *, confirmed: int = 85, required: int = 160) -> tuple[int, str]:
    """A placement (Mar 1 – Jun 30, 2027) of Ann Lee with ``confirmed`` hours confirmed;
    returns its id and the supervisor's email (they can sign in)."""
    with app.app_context():
        boss = make_user(role=Role.EMPLOYER)
        placement = make_placement(
            enrollment=make_enrollment(student=make_user(role=Role.STUDENT, name="Ann Lee")),
            supervisor=boss,
            site=make_site(supervisors=[boss]),
            required_hours=D(required),
        )
        day = dt.date(2027, 3, 1)
        left = D(confirmed)
        while left > 0:
            hours = min(left, D(8))
            make_log(placement=placement, day=day, hours=hours, status=LogStatus.CONFIRMED)
            left -= hours
            day += dt.timedelta(days=1)
        db.session.commit()
        return placement.id, boss.email


def _url(placement_id: int) -> str:
    return f"/supervisor/placements/{placement_id}/evaluation"


def _sent_early(app, client, *, confirmed: int = 85) -> int:
    placement_id, email = _placement(app, confirmed=confirmed)
    assert login(client, email).status_code == 302
    response = client.submit(_url(placement_id), SENT | {"before_hours_complete": "y"})
    assert response.status_code == 302
    return placement_id


def _evaluation(app, placement_id: int) -> Evaluation:
    with app.app_context():
        evaluation = db.session.scalar(
            select(Evaluation).where(Evaluation.placement_id == placement_id)
        )
        db.session.expunge(evaluation)
        return evaluation


def _events(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))
        for e in events:
            db.session.expunge(e)
        return events


def _admin(app, make_client):  # type: ignore[no-untyped-def]
    """Another browser, signed in as an administrator."""
    browser = make_client()
    with app.app_context():
        user = make_user(role=Role.ADMIN)
        db.session.commit()
        email = user.email
    assert login(browser, email).status_code == 302
    return browser, email


# --- sending before the hours are complete --------------------------------------------------


def test_an_early_evaluation_is_warned_with_the_figures_and_needs_an_explicit_choice(client, app):
    placement_id, email = _placement(app, confirmed=85, required=160)
    assert login(client, email).status_code == 302
    page = client.get(_url(placement_id)).get_data(as_text=True)
    assert 'id="hours-warning"' in page
    assert "Only 85 of 160 hours are confirmed" in page
    assert "the placement runs until Jun 30, 2027, 76 days from now" in page
    assert "I am submitting before the hours are complete" in page

    response = client.submit(_url(placement_id), SENT)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert (
        '<p class="error" id="before_hours_complete-error">Only 85 of 160 hours are confirmed: '
        "tick this box to send the evaluation before the hours are complete" in page
    )
    assert _events(app, "placement.evaluated") == []

    response = client.submit(_url(placement_id), SENT | {"before_hours_complete": "y"})
    assert response.status_code == 302
    (event,) = _events(app, "placement.evaluated")
    assert event.details["before_hours_complete"] == {"confirmed": "85", "required": "160"}
    with app.app_context():
        assert db.session.get(Placement, placement_id).status == PlacementStatus.ACTIVE


def test_no_warning_once_the_hours_are_complete(client, app):
    placement_id, email = _placement(app, confirmed=16, required=16)
    assert login(client, email).status_code == 302
    page = client.get(_url(placement_id)).get_data(as_text=True)
    assert 'id="hours-warning"' not in page
    assert "I am submitting before the hours are complete" not in page
    assert client.submit(_url(placement_id), SENT).status_code == 302
    (event,) = _events(app, "placement.evaluated")
    assert "before_hours_complete" not in event.details
    with app.app_context():
        assert db.session.get(Placement, placement_id).status == PlacementStatus.COMPLETED


# --- corrections ----------------------------------------------------------------------------


def test_the_supervisor_corrects_a_sent_evaluation_and_the_change_is_audited(client, app):
    placement_id = _sent_early(app, client)
    page = client.get(_url(placement_id)).get_data(as_text=True)
    assert "Correct the evaluation" in page
    assert '<input id="version" name="version" type="hidden" value="1">' in page
    assert '<option selected value="4">' in page  # prefilled with what was sent
    assert "Careful coder</textarea>" in page

    fixed = SENT | {"productivity": "2", "comments": "Careful coder, but slow", "version": "1"}
    response = client.submit(_url(placement_id), fixed)
    assert response.status_code == 302
    assert response.headers["Location"] == _url(placement_id)
    evaluation = _evaluation(app, placement_id)
    assert (evaluation.version, evaluation.productivity) == (2, 2)
    assert evaluation.comments == "Careful coder, but slow"
    assert evaluation.corrected_at is not None
    (event,) = _events(app, "placement.evaluation_corrected")
    assert event.subject_type == "placements" and event.subject_id == str(placement_id)
    assert event.details == {
        "version": 2,
        "before": {"comments": "Careful coder", "productivity": 4},
        "after": {"comments": "Careful coder, but slow", "productivity": 2},
    }
    with app.app_context():
        boss = db.session.scalar(select(User).where(User.role == Role.EMPLOYER))
        assert event.actor_id == boss.id
    page = client.get(_url(placement_id)).get_data(as_text=True)
    assert "Evaluation corrected." in page
    assert "(version 2)" in page
    assert '<input id="version" name="version" type="hidden" value="2">' in page

    # The same values again: nothing is written.
    response = client.submit(_url(placement_id), fixed | {"version": "2"}, follow_redirects=True)
    assert "Nothing had changed." in response.get_data(as_text=True)
    assert _evaluation(app, placement_id).version == 2
    assert len(_events(app, "placement.evaluation_corrected")) == 1


def test_an_administrator_corrects_it_from_the_placement(client, make_client, app):
    placement_id = _sent_early(app, client)
    admin, email = _admin(app, make_client)
    placement_page = admin.get(f"/admin/placements/{placement_id}").get_data(as_text=True)
    assert f'href="/admin/placements/{placement_id}/evaluation"' in placement_page
    url = f"/admin/placements/{placement_id}/evaluation"
    page = admin.get(url).get_data(as_text=True)
    assert "Correct the evaluation" in page
    response = admin.submit(url, SENT | {"would_hire": "no", "version": "1"})
    assert response.status_code == 302
    assert _evaluation(app, placement_id).would_hire is False
    (event,) = _events(app, "placement.evaluation_corrected")
    assert event.actor_label.endswith(f"<{email}>")
    assert event.details["before"] == {"would_hire": True}
    assert event.details["after"] == {"would_hire": False}


def test_an_administrator_cannot_send_the_evaluation_for_the_supervisor(client, login_as, app):
    placement_id, _email = _placement(app)
    login_as("admin")
    url = f"/admin/placements/{placement_id}/evaluation"
    page = client.get(url).get_data(as_text=True)
    assert "The supervisor has not sent an evaluation yet." in page
    assert client.submit(url, SENT | {"before_hours_complete": "y"}).status_code == 400
    assert _events(app, "placement.evaluated") == []


def test_a_correction_from_a_stale_version_is_refused(client, make_client, app):
    placement_id = _sent_early(app, client)
    url = _url(placement_id)
    stale_form = client.get(url).get_data(as_text=True)  # version 1, in this browser
    assert 'name="version" type="hidden" value="1"' in stale_form
    other = make_client()  # another supervisor of the site corrects it meanwhile
    with app.app_context():
        colleague = make_user(role=Role.EMPLOYER)
        site = db.session.get(Placement, placement_id).site
        site.supervisors.append(colleague)
        db.session.commit()
        email = colleague.email
    assert login(other, email).status_code == 302
    assert other.submit(url, SENT | {"compliance": "5", "version": "1"}).status_code == 302

    response = client.submit(url, SENT | {"compliance": "1", "version": "1"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "The evaluation was changed by someone else meanwhile" in page
    evaluation = _evaluation(app, placement_id)
    assert (evaluation.version, evaluation.compliance) == (2, 5)
    # A form from before the evaluation was first sent is just as stale.
    response = client.submit(url, SENT | {"compliance": "1"})
    assert "The evaluation was changed by someone else meanwhile" in response.get_data(True)
    assert len(_events(app, "placement.evaluation_corrected")) == 1


@pytest.mark.parametrize("version", ["", "abc", "0", "-1", "1.0", "99999999999999999999"])
def test_a_correction_from_something_that_is_no_version_is_refused_as_out_of_date(
    client, app, version
):
    placement_id = _sent_early(app, client)
    response = client.submit(_url(placement_id), SENT | {"compliance": "1", "version": version})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "The evaluation was changed by someone else meanwhile" in page
    assert '<input id="version" name="version" type="hidden" value="">' in page
    assert _evaluation(app, placement_id).version == 1
    assert _events(app, "placement.evaluation_corrected") == []


def test_the_guarded_update_refuses_a_correction_that_raced_another(client, app):
    """Two corrections that both passed the version check: the UPDATE ... WHERE version = 1
    lets only the first one through."""
    placement_id = _sent_early(app, client)
    with app.app_context():
        evaluation = db.session.scalar(
            select(Evaluation).where(Evaluation.placement_id == placement_id)
        )
        boss = db.session.get(User, evaluation.submitted_by_id)
        db.session.execute(
            update(Evaluation)
            .where(Evaluation.id == evaluation.id)
            .values(version=2)
            .execution_options(synchronize_session=False)
        )  # the other correction, committed meanwhile; this session still sees version 1
        assert evaluation.version == 1
        with pytest.raises(DomainError) as refused:
            evaluation_services.correct_evaluation(
                evaluation=evaluation,
                version=1,
                ratings={name: 3 for name, _ in RATINGS},
                comments="",
                would_hire=True,
                by=boss,
            )
        assert refused.value.problems[""] == [evaluation_services.CHANGED_MEANWHILE]
        db.session.rollback()
        assert db.session.scalar(select(AuditEvent).where(
            AuditEvent.action == "placement.evaluation_corrected"
        )) is None  # fmt: skip


def test_no_correction_once_the_placement_is_complete(client, make_client, app):
    placement_id = _sent_early(app, client, confirmed=152)
    with app.app_context():
        placement = db.session.get(Placement, placement_id)
        make_log(placement=placement, day=dt.date(2027, 4, 1), status=LogStatus.CONFIRMED)
        assert placement_services.refresh_completion([placement_id]) == [placement_id]  # 160 of 160
        db.session.commit()
    url = _url(placement_id)
    page = client.get(url).get_data(as_text=True)
    assert "Correct the evaluation" not in page and 'name="version"' not in page
    why = "The placement is complete (its hours are confirmed and the evaluation is in)"
    assert why in page
    response = client.submit(url, SENT | {"compliance": "1", "version": "1"})
    assert response.status_code == 400
    assert why in response.get_data(as_text=True)
    assert _evaluation(app, placement_id).version == 1
    admin, _email = _admin(app, make_client)
    admin_url = f"/admin/placements/{placement_id}/evaluation"
    assert why in admin.get(admin_url).get_data(as_text=True)
    assert admin.submit(admin_url, SENT | {"compliance": "1", "version": "1"}).status_code == 400
    assert _evaluation(app, placement_id).compliance == 4
    assert _events(app, "placement.evaluation_corrected") == []


def test_no_correction_once_the_placement_ended_early(client, app):
    placement_id = _sent_early(app, client)
    with app.app_context():
        placement = db.session.get(Placement, placement_id)
        placement.status = PlacementStatus.ENDED_EARLY
        placement.ended_on = TODAY
        placement.end_reason = "Site closed"
        db.session.commit()
    url = _url(placement_id)
    assert "its evaluation can no longer be corrected" in client.get(url).get_data(True)
    assert client.submit(url, SENT | {"version": "1"}).status_code == 400
    assert _evaluation(app, placement_id).version == 1


def test_save_evaluation_sends_then_corrects_and_refuses_anyone_else_before_it_is_sent(app):
    """The page's one write decides: before the evaluation is in only the supervisor sends
    it; once in, a save is a correction from the version given."""
    placement_id, email = _placement(app, confirmed=85, required=160)
    data = evaluation_services.EvaluationData(
        ratings={name: 4 for name, _ in RATINGS}, comments="Careful coder", would_hire=True
    )
    with app.app_context():
        placement = db.session.get(Placement, placement_id)
        boss = db.session.scalar(select(User).where(User.email == email))
        admin = make_user(role=Role.ADMIN)
        with pytest.raises(DomainError) as refused:
            evaluation_services.save_evaluation(
                placement=placement, by=admin, data=data, version=None,
                before_hours_complete=True,
            )  # fmt: skip
        assert refused.value.problems == {"": [evaluation_services.NOT_SENT_YET]}
        with pytest.raises(DomainError) as refused:  # early, without saying so
            evaluation_services.save_evaluation(
                placement=placement, by=boss, data=data, version=None
            )
        assert list(refused.value.problems) == ["before_hours_complete"]
        sent = evaluation_services.save_evaluation(
            placement=placement, by=boss, data=data, version=None, before_hours_complete=True
        )
        assert sent == evaluation_services.EvaluationSaved.SENT
        assert evaluation_services.save_evaluation(
            placement=placement, by=admin, data=data, version=1
        ) == evaluation_services.EvaluationSaved.UNCHANGED  # fmt: skip
        fixed = evaluation_services.EvaluationData(data.ratings | {"productivity": 2}, "", False)
        with pytest.raises(DomainError) as refused:  # from a version that is not the one in
            evaluation_services.save_evaluation(
                placement=placement, by=admin, data=fixed, version=None
            )
        assert refused.value.problems == {"": [evaluation_services.CHANGED_MEANWHILE]}
        assert evaluation_services.save_evaluation(
            placement=placement, by=admin, data=fixed, version=1
        ) == evaluation_services.EvaluationSaved.CORRECTED  # fmt: skip
        db.session.commit()
    evaluation = _evaluation(app, placement_id)
    assert (evaluation.version, evaluation.productivity, evaluation.would_hire) == (2, 2, False)
    assert len(_events(app, "placement.evaluated")) == 1
    assert len(_events(app, "placement.evaluation_corrected")) == 1
