"""The main navigation marks exactly one item as the current page (the page walk checks every
page of the demo school; these are the cases that lit two)."""

from __future__ import annotations

import re

import pytest

from school.auth.models import Role
from school.extensions import db
from school.web.navigation import NAV_ITEMS, nav_section
from tests.factories import make_cohort, make_program

CURRENT = re.compile(r'<a href="([^"]*)" aria-current="page">([^<]*)</a>')


def current_items(html: str) -> list[str]:
    main = html.split('aria-label="Main"', 1)[1].split("</nav>", 1)[0]
    return [label for _href, label in CURRENT.findall(main)]


@pytest.mark.parametrize(
    ("url", "item"),
    [
        ("/admin/programs", "Programs"),
        ("/admin/programs/{program}", "Programs"),
        ("/admin/programs/{program}/plan", "Programs"),
        ("/admin/cohorts", "Cohorts"),
        ("/admin/cohorts/{cohort}/placements", "Cohorts"),
        ("/admin/cohorts/{cohort}/certifications", "Cohorts"),
        ("/cohorts/{cohort}/exam-prep", "Cohorts"),
        ("/admin/sites", "Sites"),
        ("/admin/sites/new", "Sites"),
        ("/admin/credentials", "Credentials"),
        ("/admin/graduates", "Outcomes"),
        ("/admin/users", "Users"),
        ("/", "Dashboard"),
    ],
)
def test_an_admin_page_marks_its_one_item(app, client, login_as, url, item) -> None:
    login_as(Role.ADMIN)
    with app.app_context():
        cohort = make_cohort(program=make_program())
        db.session.commit()
        ids = {"program": cohort.program_id, "cohort": cohort.id}
    response = client.get(url.format(**ids))
    assert response.status_code == 200
    assert current_items(response.get_data(as_text=True)) == [item]


def test_the_account_page_marks_no_item(client, login_as) -> None:
    login_as(Role.STUDENT)
    assert current_items(client.get("/account").get_data(as_text=True)) == []


def test_each_role_has_one_item_per_section() -> None:
    for role, items in NAV_ITEMS.items():
        sections = [i.section for i in items]
        assert len(sections) == len(set(sections)), role
        for i in items:
            assert nav_section(i.endpoint) == i.section, (role, i)
