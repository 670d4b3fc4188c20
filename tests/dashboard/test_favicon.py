"""The site's icon: every page names it, and /favicon.ico (which browsers ask for whatever a
page says) answers with an icon, not a 404."""

from __future__ import annotations

import re

from tests.conftest import Client


def test_favicon_ico_is_an_icon_for_anyone(client: Client) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype == "image/vnd.microsoft.icon"
    assert response.data[:4] == b"\x00\x00\x01\x00"  # an ICO file's header
    assert "Content-Security-Policy" in response.headers


def test_every_page_links_the_icons_and_they_are_served(client: Client) -> None:
    html = client.get("/login").get_data(as_text=True)
    icons = re.findall(r'<link rel="icon" href="([^"]+)"', html)
    assert icons == ["/favicon.ico", icons[1]] and icons[1].startswith("/static/favicon.svg")
    svg = client.get(icons[1])
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    assert svg.data.startswith(b"<svg ")
    assert client.get("/no-such-page").get_data(as_text=True).count('rel="icon"') == 2
