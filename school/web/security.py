"""Security headers, client identity, and the URL helpers for emailed links."""

from __future__ import annotations

from flask import Flask, Response, current_app, g, has_request_context, request, url_for

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def client_ip() -> str:
    """The client's address (ProxyFix has already applied TRUSTED_PROXIES)."""
    return (request.remote_addr or "unknown")[:64]


def user_agent() -> str:
    return (request.headers.get("User-Agent") or "")[:400]


def no_referrer() -> None:
    """Mark this response as a page reached from a secret link: send no Referer onwards."""
    g.no_referrer = True


def external_url(endpoint: str, **values: object) -> str:
    """An absolute URL for an email, always built on EXTERNAL_URL (required in production;
    in development it defaults to the HOST and PORT served, in tests to http://localhost),
    never on the request's Host header, which the client chooses."""
    base = current_app.config["EXTERNAL_URL"].rstrip("/")
    if has_request_context():
        return base + url_for(endpoint, **values)
    with current_app.test_request_context(base_url=base):
        return url_for(endpoint, _external=True, **values)


def init_security(app: Flask) -> None:
    if app.config["TRUSTED_PROXIES"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        n = int(app.config["TRUSTED_PROXIES"])
        # Not x_host: the host is never taken from a header (see external_url).
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n)  # type: ignore[method-assign]

    @app.after_request
    def _headers(response: Response) -> Response:
        h = response.headers
        h.setdefault("Content-Security-Policy", CSP)
        h.setdefault("X-Content-Type-Options", "nosniff")
        h.setdefault("X-Frame-Options", "DENY")
        h["Referrer-Policy"] = "no-referrer" if g.get("no_referrer") else "same-origin"
        h.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        h.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if app.config["SESSION_COOKIE_SECURE"]:
            h.setdefault("Strict-Transport-Security", "max-age=31536000")
        if response.mimetype == "text/html" and not response.headers.get("Cache-Control"):
            # Pages show personal records: keep them out of shared and back-button caches.
            h["Cache-Control"] = "no-store"
        return response
