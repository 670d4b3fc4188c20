"""The employer's verification by emailed link, formerly committed by hand, goes through
web.commit.save(): a concurrent change that makes the service's flush fail answers CONFLICT
beside the form (400), never a 500, and writes nothing; the link stays usable."""

from __future__ import annotations

from html import unescape

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from school.audit import AuditEvent
from school.extensions import db
from school.outcomes.models import Job
from school.outcomes.services import verification
from school.web.commit import CONFLICT
from tests.outcomes.test_employment import TODAY, _ask, _graduate, _path

RACES = [
    IntegrityError("INSERT …", {}, Exception("duplicate key value")),
    StaleDataError("UPDATE jobs matched 0 rows"),
]


@pytest.fixture(autouse=True)
def today(set_today):
    set_today(TODAY)


def _events() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent))


@pytest.mark.parametrize("error", RACES, ids=["integrity", "stale"])
def test_an_employer_verification_that_loses_a_race(
    client, login_as, app, mailbox, make_client, monkeypatch, error
):
    eid = _graduate(app)
    job_id, link = _ask(client, login_as, app, mailbox, eid)
    employer = make_client()
    form_url = employer.get(_path(link)).headers["Location"]
    with app.app_context():
        events = _events()
    real = verification.verify_by_link

    def raced(**kwargs):
        real(**kwargs)
        db.session.flush()
        raise error

    monkeypatch.setattr("school.outcomes.services.verification.verify_by_link", raced)
    form = {
        "job_title": "Coding Specialist",
        "start_date": "2026-02-16",
        "hours": "part",
        "signature": "Grace Liu",
    }
    refused = employer.submit(form_url, form)
    assert refused.status_code == 400
    assert CONFLICT in unescape(refused.get_data(as_text=True))
    with app.app_context():
        job = db.session.get(Job, job_id)
        assert job.job_title == "Medical Coder I" and not job.employer_verified
        assert _events() == events
    monkeypatch.setattr("school.outcomes.services.verification.verify_by_link", real)
    done = employer.submit(form_url, form)  # nothing was used up: the employer tries again
    assert done.status_code == 200 and "Thank you" in done.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Job, job_id).employer_verified
