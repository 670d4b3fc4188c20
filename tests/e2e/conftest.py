"""Browser tests: the session's Flask app served on a loopback port, driven by the system's
headless Chromium through pytest-playwright (``playwright install`` is never needed).

Every test in this directory is marked ``e2e``. Without Chromium they are skipped with an
explicit reason, except on CI (``CI=true``), where a missing browser stops the run."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest
from flask import Flask

SYSTEM_CHROMIUM = "/usr/bin/chromium"
CHROMIUM = SYSTEM_CHROMIUM if os.access(SYSTEM_CHROMIUM, os.X_OK) else shutil.which("chromium")
MISSING_CHROMIUM = (
    "headless Chromium not installed: run `apt-get install -y chromium` as root; "
    "browser tests skipped"
)
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
HERE = Path(__file__).parent


def _is_e2e(item: pytest.Item) -> bool:
    return HERE in item.path.parents


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_collection_modifyitems(
    config: pytest.Config, items: list[pytest.Item]
) -> Iterator[None]:
    # Mark before the other implementations run, so that `-m "not e2e"` deselects these.
    for item in items:
        if _is_e2e(item):
            item.add_marker(pytest.mark.e2e)
    result = yield
    # `items` now holds what will run.
    selected = [item for item in items if _is_e2e(item)]
    if selected and CHROMIUM is None:
        if os.environ.get("CI") == "true":
            raise pytest.UsageError(
                f"CI=true but headless Chromium is not installed ({SYSTEM_CHROMIUM} missing, "
                f"no `chromium` on PATH): CI must run the {len(selected)} browser tests in "
                "tests/e2e. Install it in the CI image: `apt-get install -y chromium`."
            )
        skip = pytest.mark.skip(reason=MISSING_CHROMIUM)
        for item in selected:
            item.add_marker(skip)
    return result


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """The plugin's options (--headed, --slowmo, ...) with the system Chromium."""
    headed = browser_type_launch_args.get("headless") is False
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM or SYSTEM_CHROMIUM,
        "args": [arg for arg in CHROMIUM_ARGS if not (headed and arg == "--headless")],
    }


@pytest.fixture(scope="session")
def live_server(app: Flask) -> Iterator[str]:
    """The test app on a free loopback port; yields its base URL, e.g. http://127.0.0.1:PORT.

    Served by the standard library's WSGI server, threaded. Like gunicorn, it closes each
    response as soon as its body is written, which is when the app sends queued email.
    (Werkzeug's development server may hold that close while the browser keeps the socket.)
    """
    server = make_server(
        "127.0.0.1", 0, app, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
    )
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    # Links in emails are built on EXTERNAL_URL, never on the request's Host: this server's.
    before = app.config["EXTERNAL_URL"]
    app.config["EXTERNAL_URL"] = url
    try:
        yield url
    finally:
        app.config["EXTERNAL_URL"] = before
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="session")
def base_url(live_server: str) -> str:
    """Pages resolve relative URLs against the live server. This also replaces
    pytest-playwright's fallback ``base_url`` fixture, an instance method that pytest 9
    warns about (PytestRemovedIn10Warning)."""
    return live_server
