"""Online backup and restore of a SQLite database file (whatever database the suite runs on,
these tests make their own SQLite file): a backup taken while another connection keeps
writing is consistent and passes the integrity check; a restore brings back the same rows
(counts and a content checksum); a database in use or holding records is refused unless
forced; PostgreSQL is pointed to pg_dump."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from flask_migrate import upgrade

from school.auth.models import Role
from school.backup import BackupError, backup, restore, sqlite_path, summarize
from school.extensions import db
from tests.conftest import build_app
from tests.factories import make_cohort, make_enrollment, make_user


@pytest.fixture
def live(tmp_path, mailbox):
    """A migrated SQLite file with a small school in it, and its app."""
    path = tmp_path / "live.sqlite3"
    app = build_app(f"sqlite:///{path}", mailbox)
    with app.app_context():
        upgrade()
        cohort = make_cohort()
        for i in range(30):
            make_enrollment(cohort=cohort, student=make_user(role=Role.STUDENT, name=f"S {i}"))
        db.session.commit()
        db.engine.dispose()
    return app, path


def _rows(path, table):
    with sqlite3.connect(path) as c:
        return c.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_a_backup_taken_while_writing_is_consistent_and_restores_exactly(live, tmp_path):
    _app, path = live
    stop = threading.Event()
    writes = []

    def writer():  # another process-like connection committing all the time
        c = sqlite3.connect(path, timeout=10, isolation_level=None)
        c.execute("PRAGMA journal_mode=WAL")
        n = 0
        while not stop.is_set():
            c.execute("BEGIN IMMEDIATE")
            c.execute(
                "INSERT INTO outbox_messages (to_address, subject, body, created_at, attempts)"
                " VALUES (?, ?, ?, datetime('now'), 0)",
                (f"w{n}@example.com", "s", "b"),
            )
            c.execute("COMMIT")
            n += 1
            writes.append(n)
            time.sleep(0.001)
        c.close()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        time.sleep(0.05)
        out = tmp_path / "copy.sqlite3"
        seen = []
        summary = backup(path, out, progress=lambda done, total: seen.append((done, total)))
    finally:
        stop.set()
        thread.join()
    assert writes and seen and seen[-1][0] == seen[-1][1]
    assert not (tmp_path / "copy.sqlite3.part").exists()
    with sqlite3.connect(out) as c:
        assert c.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert c.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    assert summary.revision is not None and summary.rows > 60
    assert _rows(out, "enrollments") == 30
    # The copy holds a prefix of the writer's commits, each one whole.
    copied = _rows(out, "outbox_messages")
    assert 0 <= copied <= len(writes)

    # Restore into an empty file: the same rows, the same content checksum.
    target = tmp_path / "restored.sqlite3"
    restored = restore(out, target)
    assert (restored.rows, restored.checksum, restored.revision) == (
        summary.rows,
        summary.checksum,
        summary.revision,
    )
    assert summarize(out).checksum == restored.checksum


def test_restore_refuses_a_database_in_use_or_with_records(live, tmp_path):
    _app, path = live
    out = tmp_path / "copy.sqlite3"
    backup(path, out)
    with pytest.raises(BackupError, match="already holds records"):
        restore(out, path)
    holder = sqlite3.connect(path)
    holder.execute("PRAGMA journal_mode=WAL")
    holder.execute("SELECT count(*) FROM users").fetchone()
    try:
        with pytest.raises(BackupError, match="in use"):
            restore(out, path)
    finally:
        holder.close()
    # Forced, into the same database: unchanged content, still consistent.
    before = summarize(path).checksum
    assert restore(out, path, force=True).checksum == before
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"not a database at all" * 100)
    with pytest.raises(BackupError, match="not a SQLite database"):
        restore(bad, tmp_path / "x.sqlite3")
    with pytest.raises(BackupError, match="no backup file"):
        restore(tmp_path / "missing.sqlite3", tmp_path / "x.sqlite3")


def test_postgresql_is_pointed_to_pg_dump():
    with pytest.raises(BackupError, match="pg_dump"):
        sqlite_path("postgresql+psycopg://u:p@h/db")
    assert str(sqlite_path("sqlite:////srv/school.sqlite3")) == "/srv/school.sqlite3"


def test_the_cli_backs_up_and_restores(live, tmp_path):
    app, _path = live
    runner = app.test_cli_runner()
    out = tmp_path / "nightly.sqlite3"
    result = runner.invoke(args=["backup", str(out)])
    assert result.exit_code == 0, result.output
    assert "Backup written and checked" in result.output and out.exists()
    refused = runner.invoke(args=["restore", str(out)])
    assert refused.exit_code != 0 and "already holds records" in refused.output
    forced = runner.invoke(args=["restore", str(out), "--force"])
    assert forced.exit_code == 0, forced.output
    assert "Restored and checked" in forced.output
