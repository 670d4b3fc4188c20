"""The error pages: a template for each HTTP error, and a plain page without templates, the
user or the database for when even that fails."""

from __future__ import annotations

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

ERROR_TEXT = {
    400: (
        "Bad request",
        "The request could not be understood. Go back, reload the page and try again.",
    ),
    403: ("Not allowed", "Your account does not have access to this page or action."),
    404: ("Page not found", "There is nothing here, or you do not have access to it."),
    405: ("Not allowed", "This address does not accept that kind of request."),
    413: ("Too large", "What you sent is larger than this page accepts."),
    429: (
        "Too many attempts",
        "Too many requests in a short time. Wait a few minutes and try again.",
    ),
    500: (
        "Something went wrong",
        "The error has been logged. Try again; if it keeps happening, tell the school's "
        "administrator.",
    ),
}


def plain_error_page(code: int, title: str, text: str) -> str:
    """The generic error page without templates, the user or the database (used when even
    the normal error page fails, e.g. while the database is unreachable)."""
    from flask import current_app
    from markupsafe import escape

    school = escape(current_app.config.get("SCHOOL_NAME", ""))
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} · {school}</title>"
        '<link rel="stylesheet" href="/static/css/app.css"></head><body>'
        '<main id="main" class="container"><section class="narrow error-page">'
        f'<p class="error-code">Error {code}</p><h1>{escape(title)}</h1>'
        f'<p>{escape(text)}</p><p><a href="/">Go to the dashboard</a></p>'
        "</section></main></body></html>"
    )


def init_error_pages(app: Flask) -> None:
    def render(code: int, message: str | None = None):  # type: ignore[no-untyped-def]
        title, text = ERROR_TEXT.get(code, ERROR_TEXT[500])
        try:
            return render_template(
                "errors/error.html", code=code, title=title, text=message or text
            ), code
        except Exception:  # e.g. the database is down and the page cannot load the user
            app.logger.exception("the error page itself failed; sending the plain one")
            return plain_error_page(code, title, message or text), code

    @app.errorhandler(CSRFError)
    def _csrf(_e: CSRFError):  # type: ignore[no-untyped-def]
        app.logger.info("CSRF refused on %s %s", request.method, request.path)
        return render(
            400,
            "This form has expired or did not come from this site. Go back, reload the page and "
            "send it again.",
        )

    @app.errorhandler(HTTPException)
    def _http(e: HTTPException):  # type: ignore[no-untyped-def]
        if e.code is None or e.code < 400:
            return e
        response = render(e.code)
        if e.code == 429 and getattr(e, "retry_after", None):
            return response[0], 429, {"Retry-After": str(e.retry_after)}
        return response

    @app.errorhandler(Exception)
    def _unexpected(e: Exception):  # type: ignore[no-untyped-def]
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        from school.extensions import db

        try:
            db.session.rollback()
        except Exception:  # a dead connection: nothing to roll back
            app.logger.warning("rollback after an unhandled error failed", exc_info=True)
        return render(500)
