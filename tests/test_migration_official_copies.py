"""Migration 0013 stores the issued bytes of the official transcripts issued before copies
were kept: those that still re-render to their recorded SHA-256 get their copy, the others
none ("stored copy unavailable"); a renderer that fails leaves them all without one, the
upgrade still succeeds, and `flask reports store-copies` stores them later. On a scratch
SQLite file, and on a scratch schema of the PostgreSQL test database when TEST_DATABASE_URL
is set (the shared test database is left alone)."""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Iterator
from decimal import Decimal as D

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import create_engine, select, text

from school.cohorts.models import Assessment, Course, Score
from school.extensions import db
from school.reports import services
from school.reports.models import IssuedCopy, IssuedTranscript
from school.reports.transcript import render_transcript, transcripts_data
from tests.conftest import Mailbox, build_app
from tests.factories import make_cohort, make_enrollment, make_issued_transcript, make_program
from tests.test_migrations import script_directory

SCHEMA = "scratch_migration_0013"
ISSUED_AT = dt.datetime(2027, 1, 5, 15, 4, 5, tzinfo=dt.UTC)
MIGRATION_LOG = "alembic.versions.0013"


def _postgres_url() -> str | None:
    url = os.environ.get("TEST_DATABASE_URL")
    return url.replace("postgresql://", "postgresql+psycopg://", 1) if url else None


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param(
            "postgresql",
            marks=pytest.mark.skipif(
                not (_postgres_url() or "").startswith("postgresql"),
                reason="TEST_DATABASE_URL names no PostgreSQL database",
            ),
        ),
    ]
)
def scratch_app(request: pytest.FixtureRequest, tmp_path, mailbox: Mailbox) -> Iterator[Flask]:
    """An app on an empty database of its own: a SQLite file, or a PostgreSQL schema of the
    test database reached through search_path."""
    if request.param == "sqlite":
        app = build_app(f"sqlite:///{tmp_path / 'scratch.sqlite3'}", mailbox)
        yield app
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        return
    url = _postgres_url()
    assert url
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    app = build_app(
        url,
        mailbox,
        SQLALCHEMY_ENGINE_OPTIONS={
            "connect_args": {"options": f"-c search_path={SCHEMA} -c jit=off"}
        },
    )
    try:
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        admin.dispose()


def _issued_before_copies_were_kept() -> dict[str, tuple[int, bytes]]:
    """At revision 0012: two students of one cohort, each with an official transcript
    recorded as the old code did (the hash of a rendering, no file). Then the second
    student's records change: a score recorded after the issue."""
    program = make_program(courses=2)
    cohort = make_cohort(program=program)
    course = db.session.scalar(select(Course).where(Course.program_id == program.id).limit(1))
    exam = Assessment(
        cohort_id=cohort.id,
        course_id=course.id,
        sequence=1,
        name="Final",
        weight=D(100),
        max_points=D(100),
    )
    db.session.add(exam)
    kept, changed = make_enrollment(cohort=cohort), make_enrollment(cohort=cohort)
    db.session.add(Score(assessment_id=exam.id, enrollment_id=kept.id, points=D("88")))
    db.session.flush()
    data = transcripts_data([kept.id, changed.id], ISSUED_AT)
    out = {}
    for name, enrollment, serial in (
        ("kept", kept, "TR-KEPT-AAAA"),
        ("changed", changed, "TR-GONE-BBBB"),
    ):
        official = services.official_of(serial, "Mercy General HR", "Employment verification")
        pdf = render_transcript(data[enrollment.id].with_official(official))
        transcript = make_issued_transcript(
            enrollment=enrollment,
            pdf=pdf,
            serial=serial,
            recipient=official.recipient,
            purpose=official.purpose,
            issued_by_label="command line",
            issued_at=ISSUED_AT,
            pages=services.page_count(pdf),
            store_copy=False,
        )
        out[name] = (transcript.id, pdf)  # (read before the commit expires the row)
    db.session.add(Score(assessment_id=exam.id, enrollment_id=changed.id, points=D("61")))
    db.session.commit()
    db.session.remove()
    return out


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record)


@pytest.fixture
def migration_log(monkeypatch: pytest.MonkeyPatch) -> Iterator[Lines]:
    """What the migration logs. migrations/env.py applies alembic.ini's logging at each
    upgrade, which would drop this handler (and pytest's); it is skipped here."""
    monkeypatch.setattr("logging.config.fileConfig", lambda *args, **kwargs: None)
    handler, logger = Lines(), logging.getLogger(MIGRATION_LOG)
    level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(handler)
    yield handler
    logger.removeHandler(handler)
    logger.setLevel(level)


def _copies() -> dict[int, bytes]:
    return dict(db.session.execute(select(IssuedCopy.transcript_id, IssuedCopy.pdf)).all())


def test_upgrade_stores_the_copies_that_still_render_to_their_hash(scratch_app, migration_log):
    with scratch_app.app_context():
        upgrade(revision="0012")
        issued = _issued_before_copies_were_kept()
        upgrade()
        (kept, kept_pdf), (changed, _) = issued["kept"], issued["changed"]
        assert _copies() == {kept: kept_pdf}
        transcripts = {t.id: t for t in db.session.scalars(select(IssuedTranscript))}
        assert transcripts[kept].has_copy and not transcripts[changed].has_copy
        assert services.stored_copy(transcripts[kept]) == kept_pdf
        assert services.stored_copy(transcripts[changed]) is None
        db.session.remove()
    [summary] = [r.getMessage() for r in migration_log.lines if r.levelno == logging.INFO]
    assert "1 stored byte for byte" in summary
    assert "1 marked 'stored copy unavailable'" in summary


def test_a_failing_renderer_leaves_the_rows_without_copies_and_the_upgrade_goes_on(
    scratch_app, migration_log, monkeypatch
):
    with scratch_app.app_context():
        upgrade(revision="0012")
        issued = _issued_before_copies_were_kept()

        def broken(*args, **kwargs):
            raise RuntimeError("the renderer has moved on")

        monkeypatch.setattr("school.reports.services.render_transcript", broken)
        upgrade()
        with db.engine.connect() as conn:
            version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        assert version == script_directory().get_current_head()  # past 0013, to the head
        assert _copies() == {}
        assert not any(t.has_copy for t in db.session.scalars(select(IssuedTranscript)))
        db.session.remove()
    warnings = [r for r in migration_log.lines if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "Could not re-render 2 official transcript(s)" in (
        warnings[0].getMessage()
    )
    assert "the renderer has moved on" in str(warnings[0].exc_info[1])
    assert "flask --app wsgi reports store-copies" in warnings[0].getMessage()
    [summary] = [r.getMessage() for r in migration_log.lines if r.levelno == logging.INFO]
    assert "0 stored" in summary and "2 marked 'stored copy unavailable'" in summary

    # Once the renderer works again, the command the warning names stores what it can, on
    # the upgraded schema: the copy whose records did not change.
    monkeypatch.undo()
    result = scratch_app.test_cli_runner().invoke(args=["reports", "store-copies"])
    assert result.exit_code == 0, result.output
    assert "1 copy(ies) stored byte for byte; 1 without a stored copy" in result.output
    with scratch_app.app_context():
        assert _copies() == {issued["kept"][0]: issued["kept"][1]}
        db.session.remove()
