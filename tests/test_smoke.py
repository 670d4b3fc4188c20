from tests.conftest import login


def test_login_page(client):
    assert client.get("/login").status_code == 200


def test_login_flow(app, client, login_as, mailbox):
    user = login_as("admin")
    assert client.get("/").status_code == 200
    assert user.name in client.get("/").get_data(as_text=True)
    r = client.submit("/admin/users/invite", {"name": "New Person", "email": "new@example.com", "role": "student"})
    assert r.status_code == 302, r.get_data(as_text=True)
    assert mailbox.to("new@example.com")
    assert login
