"""The admin's user pages: list (filter, sort, paginate), invite, deactivate, reactivate."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from school.audit import AuditEvent
from school.auth.models import Role, User
from school.extensions import db
from tests.factories import make_user


def rows(html: str) -> str:
    """The table body of a list page (the header shows the signed-in user's name too)."""
    start = html.find("<tbody>")
    return html[start : html.find("</tbody>")] if start >= 0 else ""


def _add_users(app, n: int, role: Role = Role.STUDENT, **kwargs) -> None:
    with app.app_context():
        for _ in range(n):
            make_user(role=role, password=None, **kwargs)
        db.session.commit()


def test_list_paginates_and_counts(client, login_as, app):
    login_as("admin")
    _add_users(app, 14)  # + the admin = 15, 10 per page in tests
    first = client.get("/admin/users").get_data(as_text=True)
    assert "Showing 1–10 of 15 users" in first and "Page 1 of 2" in first
    second = client.get("/admin/users?page=2").get_data(as_text=True)
    assert "Showing 11–15 of 15 users" in second
    beyond = client.get("/admin/users?page=99").get_data(as_text=True)
    assert "Page 2 of 2" in beyond
    assert client.get("/admin/users?page=abc").status_code == 200


def test_list_filters_and_sorts(client, login_as, app):
    login_as("admin", name="Zed Admin")
    with app.app_context():
        make_user(role=Role.EMPLOYER, name="Aaron Employer", email="aaron@site.example.com")
        make_user(role=Role.STUDENT, name="Mia Student", password=None)
        make_user(role=Role.STUDENT, name="Old Student", active=False)
        db.session.commit()
    html = rows(client.get("/admin/users?role=employer").get_data(as_text=True))
    assert "Aaron Employer" in html and "Mia Student" not in html
    html = rows(client.get("/admin/users?status=invited").get_data(as_text=True))
    assert "Mia Student" in html and "Aaron Employer" not in html
    html = rows(client.get("/admin/users?status=deactivated").get_data(as_text=True))
    assert "Old Student" in html and "Mia Student" not in html
    html = rows(client.get("/admin/users?q=SITE.example").get_data(as_text=True))
    assert "Aaron Employer" in html and "Zed Admin" not in html
    html = client.get("/admin/users?q=100%25").get_data(as_text=True)
    assert "No user matches these filters." in html
    names = ["Aaron Employer", "Mia Student", "Old Student", "Zed Admin"]
    html = rows(client.get("/admin/users?sort=name&dir=desc").get_data(as_text=True))
    assert [html.index(n) for n in reversed(names)] == sorted(html.index(n) for n in names)
    # an unknown sort key falls back to the default instead of failing
    assert client.get("/admin/users?sort=password_hash").status_code == 200


def test_list_query_count_does_not_grow_with_users(client, login_as, app, count_queries):
    login_as("admin")
    _add_users(app, 3)
    with count_queries() as few:
        assert client.get("/admin/users").status_code == 200
    _add_users(app, 40, Role.INSTRUCTOR)
    with count_queries() as many:
        assert client.get("/admin/users?sort=role").status_code == 200
    assert many.count == few.count
    assert few.count <= 4


def test_dashboard_query_count_does_not_grow(client, login_as, app, count_queries):
    login_as("admin")
    _add_users(app, 2)
    with count_queries() as few:
        assert client.get("/").status_code == 200
    _add_users(app, 30)
    with count_queries() as many:
        assert client.get("/").status_code == 200
    assert many.count == few.count


def test_empty_list_state(client, login_as):
    login_as("admin")
    html = client.get("/admin/users?role=employer").get_data(as_text=True)
    assert "No user matches these filters." in html


def test_invite_shows_problems_beside_fields_and_keeps_input(client, login_as, app):
    login_as("admin", email="taken@example.com")
    html = client.submit(
        "/admin/users/invite",
        {"name": "Someone <b>bold</b>", "email": "taken@example.com", "role": "student"},
    ).get_data(as_text=True)
    assert 'id="email-error"' in html and "taken@example.com already has an account." in html
    assert 'value="Someone &lt;b&gt;bold&lt;/b&gt;"' in html  # kept, and escaped
    html = client.submit(
        "/admin/users/invite", {"name": "", "email": "not-an-email", "role": "wizard"}
    ).get_data(as_text=True)
    assert "Enter the person&#39;s name." in html
    assert "Enter a valid email address" in html
    assert 'id="role-error"' in html
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_user_text_is_escaped(client, login_as, app):
    login_as("admin")
    with app.app_context():
        make_user(name='<script>alert("x")</script>')
        db.session.commit()
    html = client.get("/admin/users").get_data(as_text=True)
    assert '<script>alert("x")</script>' not in html
    assert "&lt;script&gt;" in html


def test_admin_cannot_deactivate_self_or_the_last_admin(client, login_as, app):
    admin = login_as("admin")
    response = client.button(f"/admin/users/{admin.id}/deactivate", page=f"/admin/users/{admin.id}")
    assert response.status_code == 302
    page = client.get(f"/admin/users/{admin.id}").get_data(as_text=True)
    assert "You cannot deactivate your own account." in page
    with app.app_context():
        assert db.session.get(User, admin.id).active


def test_deactivate_and_reactivate_are_audited(client, login_as, app):
    admin = login_as("admin")
    with app.app_context():
        user_id = make_user(role=Role.INSTRUCTOR).id
        db.session.commit()
    client.button(f"/admin/users/{user_id}/deactivate", page=f"/admin/users/{user_id}")
    again = client.button(f"/admin/users/{user_id}/deactivate", page=f"/admin/users/{user_id}")
    assert again.status_code == 302
    assert "is already deactivated" in client.get(f"/admin/users/{user_id}").get_data(as_text=True)
    client.button(f"/admin/users/{user_id}/reactivate", page=f"/admin/users/{user_id}")
    with app.app_context():
        events = db.session.execute(
            select(AuditEvent.action, AuditEvent.actor_id)
            .where(AuditEvent.subject_type == "users", AuditEvent.subject_id == str(user_id))
            .order_by(AuditEvent.id)
        ).all()
        assert events == [("user.deactivated", admin.id), ("user.reactivated", admin.id)]
        assert db.session.get(User, user_id).active


def test_the_last_active_administrator_cannot_be_deactivated(app):
    from school.auth.services.accounts import deactivate_user
    from school.errors import DomainError

    with app.app_context():
        only_admin = make_user(role=Role.ADMIN)
        former_admin = make_user(role=Role.ADMIN, active=False)
        db.session.commit()
        with pytest.raises(DomainError) as refused:
            deactivate_user(user=only_admin, by=former_admin)
        assert refused.value.problems == {"": ["This is the last active administrator."]}
        db.session.rollback()
        assert db.session.get(User, only_admin.id).active


def test_error_summary_links_to_each_field_and_the_title_says_error(client, login_as):
    login_as("admin")
    html = client.submit(
        "/admin/users/invite", {"name": "", "email": "nope", "role": "student"}
    ).get_data(as_text=True)
    assert "<title>Error: Invite a user" in html
    start = html.index('class="form-errors"')
    summary = html[start : html.index("</ul>", start)]
    assert 'href="#name"' in summary and 'href="#email"' in summary
    assert "data-focus" in summary


def test_sorted_column_is_announced_on_its_header(client, login_as):
    login_as("admin")
    html = client.get("/admin/users?sort=email&dir=desc").get_data(as_text=True)
    assert '<th scope="col" aria-sort="descending">' in html
    assert html.count("aria-sort=") == 1
