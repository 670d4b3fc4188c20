"""Hello-world references for bench/throughput.sh, served by gunicorn like the app.

``app``: a bare WSGI callable (the floor of what gunicorn costs per request).
``flask_app``: a bare Flask hello-world route (the reference DESIGN.md §8 names).
"""

from flask import Flask


def app(environ, start_response):  # type: ignore[no-untyped-def]
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "13")])
    return [b"Hello, world!"]


flask_app = Flask(__name__)


@flask_app.route("/")
def hello() -> str:
    return "Hello, world!"
