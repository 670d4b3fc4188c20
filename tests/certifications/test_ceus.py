"""Awarded credentials and CEU cycles: requirement by body and credential count, earned in the
current cycle, behind schedule, and the pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

import pytest
from sqlalchemy import select

from school.auth.models import Role
from school.certifications import queries
from school.certifications.catalog import seed_catalog
from school.certifications.ceus import Held, cycles
from school.certifications.models import AwardedCredential, Credential
from school.certifications.services import awards
from school.errors import DomainError
from school.extensions import db
from tests.factories import make_award, make_enrollment, make_user

TODAY = dt.date(2027, 8, 1)


def held(code, body, day, ceus=36):
    return Held(code, body, dt.date.fromisoformat(day), D(ceus), 2)


def test_aapc_needs_36_plus_4_per_extra_credential_and_ahima_the_largest():
    both = [
        held("CPC", "AAPC", "2026-03-01"),
        held("COC", "AAPC", "2026-09-01"),
        held("CPMA", "AAPC", "2027-01-01"),
        held("CCA", "AHIMA", "2026-05-01", 20),
        held("RHIA", "AHIMA", "2027-02-01", 30),
    ]
    entries = [(dt.date(2026, 4, 1), D(10)), (dt.date(2027, 6, 1), D("12.5"))]
    aapc, ahima = cycles(both, entries, TODAY)
    assert (aapc.body, aapc.required, aapc.start, aapc.end) == (
        "AAPC", D(44), dt.date(2026, 3, 1), dt.date(2028, 2, 29),
    )  # fmt: skip
    assert aapc.earned == D("22.5") and aapc.remaining == D("21.5")
    assert (ahima.required, ahima.start) == (D(30), dt.date(2026, 5, 1))
    assert ahima.earned == D("12.5")  # the April 2026 entry is before AHIMA's cycle


def test_the_current_cycle_rolls_over_and_behind_means_below_a_steady_pace():
    (cycle,) = cycles([held("CPC", "AAPC", "2023-06-15")], [(dt.date(2027, 7, 1), D(10))], TODAY)
    assert (cycle.start, cycle.end) == (dt.date(2027, 6, 15), dt.date(2029, 6, 14))
    assert cycle.earned == D(10) and not cycle.behind(TODAY)  # 48 of 731 days: expects 2.4
    (late,) = cycles([held("CPC", "AAPC", "2026-01-01")], [], TODAY)
    assert late.behind(TODAY) and late.expected(TODAY) == D("28.5")


def test_award_rules_and_the_apprentice_removal(app, set_today):
    set_today(TODAY)
    with app.app_context():
        seed_catalog()
        admin = make_user(role=Role.ADMIN, password=None)
        student = make_user(role=Role.STUDENT, password=None)
        cpc = db.session.scalar(select(Credential).where(Credential.code == "CPC"))
        cpma = db.session.scalar(select(Credential).where(Credential.code == "CPMA"))
        with pytest.raises(DomainError) as refused:
            awards.award_credential(
                student=student, credential_id=cpma.id, awarded_on=dt.date(2027, 9, 1),
                member_id="", apprentice=True, by=admin,
            )  # fmt: skip
        assert set(refused.value.problems) == {"apprentice", "awarded_on", "member_id"}
        award = awards.award_credential(
            student=student, credential_id=cpc.id, awarded_on=dt.date(2027, 6, 1),
            member_id="01234567", apprentice=True, by=admin,
        )  # fmt: skip
        db.session.commit()
        with pytest.raises(DomainError, match="already holds CPC"):
            awards.award_credential(
                student=student, credential_id=cpc.id, awarded_on=dt.date(2027, 6, 1),
                member_id="x", apprentice=False, by=admin,
            )  # fmt: skip
        db.session.rollback()
        award = db.session.get(AwardedCredential, award.id)
        with pytest.raises(DomainError):
            awards.remove_apprentice(award=award, removed_on=dt.date(2027, 5, 1), by=admin)
        awards.remove_apprentice(award=award, removed_on=dt.date(2027, 7, 20), by=admin)
        db.session.commit()
        assert db.session.get(AwardedCredential, award.id).apprentice_removed_on == dt.date(
            2027, 7, 20
        )


def test_admin_records_credentials_and_ceus_and_the_behind_list(client, login_as, app, set_today):
    set_today(TODAY)
    login_as("admin")
    with app.app_context():
        seed_catalog()
        enrollment = make_enrollment(student=make_user(role=Role.STUDENT, name="Ann Lee"))
        db.session.commit()
        enrollment_id = enrollment.id
        cpc_id = db.session.scalar(select(Credential.id).where(Credential.code == "CPC"))
    url = f"/admin/enrollments/{enrollment_id}/credentials"
    form = {"credential_id": str(cpc_id), "awarded_on": "2026-01-10", "member_id": "01234567"}
    assert client.submit(url, form).status_code == 302
    page = client.get(url).get_data(as_text=True)
    assert "0 of 36 earned, 36 to go" in page and "behind a steady pace" in page
    bad = client.submit(
        f"/admin/enrollments/{enrollment_id}/ceus",
        {"earned_on": "2027-07-01", "hours": "0"},
        page=url,
    )
    assert bad.status_code == 400 and "Enter 0.1 to 100 CEUs." in bad.get_data(as_text=True)
    ceu = {
        "earned_on": "2027-07-01",
        "hours": "30",
        "provider": "AAPC webinar",
        "category": "Coding",
    }
    assert (
        client.submit(f"/admin/enrollments/{enrollment_id}/ceus", ceu, page=url).status_code == 302
    )
    assert "30 of 36 earned, 6 to go" in client.get(url).get_data(as_text=True)
    behind = client.get("/admin/ceus/behind").get_data(as_text=True)
    assert "Every credential holder is on pace" in behind  # 30 ≥ about 28 expected by Aug 1, 2027
    with app.app_context():
        rows = queries.alumni_behind(dt.date(2027, 12, 31))
        assert [r.student.name for r in rows] == ["Ann Lee"]


def _student_holding_cpc(app, login_as) -> None:
    """Sign in a student who holds CPC (awarded through the service, as an admin would)."""
    student = login_as("student", name="Chloe Nguyen")
    with app.app_context():
        seed_catalog()
        cpc = db.session.scalar(select(Credential).where(Credential.code == "CPC"))
        make_award(student=student, credential=cpc, awarded_on=dt.date(2026, 7, 1), apprentice=True)
        db.session.commit()


def test_a_student_holding_a_credential_sees_it_and_the_ceu_form(client, login_as, app):
    """The page once answered 500 for every credential holder: the CEU form was rendered in
    the title block, where the form macros were not imported."""
    _student_holding_cpc(app, login_as)
    response = client.get("/certifications")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<strong>CPC-A</strong> awarded Jul 1, 2026 · member id 01234567" in page
    assert '<form method="post" action="/certifications/ceus"' in page
    assert "<title>Certification exams · " in page  # the title is only the title


def test_an_invalid_ceu_entry_shows_the_error_beside_the_field(client, login_as, app):
    _student_holding_cpc(app, login_as)
    bad = client.submit(
        "/certifications/ceus",
        {"earned_on": "2026-09-01", "hours": "0", "provider": "AAPC webinar", "category": "Coding"},
        page="/certifications",
    )
    assert bad.status_code == 400
    page = bad.get_data(as_text=True)
    field = page[page.index('<div class="field has-error">') :]
    assert field.index('<label for="hours"') < field.index(
        '<p class="error" id="hours-error">Enter 0.1 to 100 CEUs.</p>'
    ) < field.index('id="hours"')  # fmt: skip
    assert 'value="AAPC webinar"' in page  # what was typed is kept
