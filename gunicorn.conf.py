"""gunicorn settings for serving the app: ``.venv/bin/gunicorn -c gunicorn.conf.py wsgi:app``.

Every value can be changed by an environment variable, so one file serves every machine.
The app runs behind a reverse proxy that terminates TLS; gunicorn listens on loopback.
"""

from __future__ import annotations

import multiprocessing
import os

# Where the reverse proxy reaches the app (a loopback port or a unix socket path).
bind = os.environ.get("SCHOOL_BIND", "127.0.0.1:8000")

# Sync workers: each handles one request at a time; the database does the waiting. Two per
# core is a reasonable start for this app's short requests (measure with bench/).
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count()))
worker_class = "sync"

# A request that runs longer than this is killed and its worker replaced (a roster import of
# 10,000 rows takes about 2 s; a cohort's transcripts are a CLI job, not a request).
timeout = int(os.environ.get("SCHOOL_WORKER_TIMEOUT", 60))
graceful_timeout = 30
keepalive = 5

# Recycle workers now and then, so a slow leak never grows without bound.
max_requests = 2000
max_requests_jitter = 200

# Preloaded: the master imports the app once and a recycled worker forks from it, instead of
# importing the whole app again (about a second of CPU each time). No connection may cross the
# fork: each worker drops the pool it inherited (post_fork) and opens its own.
preload_app = True


def when_ready(server):  # in the master, after the preloaded app, before any worker
    # Compile every template once here: each worker forks with them in the Jinja cache, instead
    # of compiling the ones it renders again after every recycling (~100 ms of a new worker's
    # first requests). Templates are not reloaded from disk outside debug mode anyway.
    app = server.app.wsgi()
    env = getattr(app, "jinja_env", None)  # None for a bare WSGI callable
    if env is not None and not env.auto_reload:
        for name in env.list_templates():
            env.get_template(name)


def post_fork(server, worker):  # gunicorn calls it with both
    app = server.app.wsgi()
    db = getattr(app, "extensions", {}).get("sqlalchemy")  # None for a bare WSGI callable
    if db is not None:
        with app.app_context():
            for engine in db.engines.values():
                engine.dispose(close=False)


# Request lines to standard output, errors to standard error (the service manager keeps
# them). The client address logged is the proxy's; the app's audit log has the real one
# (SCHOOL_TRUSTED_PROXIES).
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("SCHOOL_LOG_LEVEL", "info")

# Refuse absurd request lines and headers early (uploads are limited by the app).
limit_request_line = 8190
limit_request_fields = 100
