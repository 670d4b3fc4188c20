"""Online backup and restore of the SQLite database (``flask backup`` / ``flask restore``).

A backup is taken with SQLite's online backup API while the app keeps serving (never a copy
of the file, which for a WAL database can miss or tear committed pages), written to a
temporary file, checked (``PRAGMA integrity_check``) and only then renamed into place.
A restore copies a checked backup into the database file the app uses, refusing while the
database is in use or holds records unless forced. PostgreSQL is backed up with
``pg_dump`` / ``pg_restore`` (README "Deploying").
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

PAGES_PER_STEP = 256


class BackupError(Exception):
    """The backup or restore cannot be done; the message says why and what to do."""


@dataclass(frozen=True)
class Summary:
    path: Path
    tables: int
    rows: int
    revision: str | None
    checksum: str  # SHA-256 over every row of every table, in key order

    def line(self) -> str:
        return (
            f"{self.path}: {self.tables} tables, {self.rows:,} rows, schema revision "
            f"{self.revision or 'none'}, content SHA-256 {self.checksum[:16]}…"
        )


def sqlite_path(url: str) -> Path:
    """The file of a ``sqlite:///…`` URL, or :class:`BackupError` for any other database."""
    if not url.startswith("sqlite:///") or url in ("sqlite://", "sqlite:///:memory:"):
        raise BackupError(
            "flask backup and restore work on a SQLite database file. For PostgreSQL use "
            "pg_dump and pg_restore (see README, Deploying)."
        )
    return Path(url.removeprefix("sqlite:///"))


def _check(connection: sqlite3.Connection, what: str) -> None:
    result = connection.execute("PRAGMA integrity_check").fetchall()
    if result != [("ok",)]:
        problems = "; ".join(r[0] for r in result[:5])
        raise BackupError(f"{what} fails SQLite's integrity check: {problems}")


def summarize(path: Path) -> Summary:
    """Tables, rows, schema revision and a checksum of the content (not of the file's bytes,
    which differ between a database and its backup)."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        digest = hashlib.sha256()
        rows = 0
        for table in tables:
            digest.update(f"\x00{table}\x00".encode())
            for row in connection.execute(f'SELECT * FROM "{table}" ORDER BY rowid'):  # noqa: S608
                digest.update(repr(row).encode())
                rows += 1
        revision = None
        if "alembic_version" in tables:
            found = connection.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = found[0] if found else None
        return Summary(path, len(tables), rows, revision, digest.hexdigest())
    finally:
        connection.close()


def _copy(
    source: sqlite3.Connection,
    target: sqlite3.Connection,
    progress: Callable[[int, int], None] | None,
) -> None:
    def step(_status: int, remaining: int, total: int) -> None:
        if progress:
            progress(total - remaining, total)

    source.backup(target, pages=PAGES_PER_STEP, progress=step)


def backup(
    database: Path, out: Path, progress: Callable[[int, int], None] | None = None
) -> Summary:
    """A consistent copy of ``database`` in ``out`` (made through ``out.part``), checked."""
    if not database.exists():
        raise BackupError(f"There is no database at {database}.")
    if out.exists() and out.is_dir():
        raise BackupError(f"{out} is a folder; give the backup file's name.")
    part = out.with_name(out.name + ".part")
    part.unlink(missing_ok=True)
    source = sqlite3.connect(database, timeout=30)
    target = sqlite3.connect(part)
    try:
        _copy(source, target, progress)
        target.execute("PRAGMA journal_mode=DELETE")  # one self-contained file
        _check(target, "The backup")
    except sqlite3.Error as exc:
        target.close()
        part.unlink(missing_ok=True)
        raise BackupError(f"The backup failed: {exc}") from exc
    except BackupError:
        target.close()
        part.unlink(missing_ok=True)
        raise
    finally:
        source.close()
    target.close()
    os.replace(part, out)
    return summarize(out)


def in_use(database: Path) -> bool:
    """Whether another process has the database open: in WAL mode SQLite keeps the -wal and
    -shm files while any connection is open (and removes them when the last one closes)."""
    return any(Path(f"{database}{suffix}").exists() for suffix in ("-wal", "-shm"))


def _has_records(database: Path) -> bool:
    if not database.exists() or database.stat().st_size == 0:
        return False
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        tables = {n for (n,) in connection.execute("SELECT name FROM sqlite_master")}
        if "users" not in tables:
            return bool(tables - {"alembic_version"})
        return connection.execute("SELECT count(*) FROM users").fetchone()[0] > 0
    finally:
        connection.close()


def restore(
    backup_file: Path,
    database: Path,
    *,
    force: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> Summary:
    """Replace ``database``'s content by a checked backup. Refused, unless ``force``, while
    the database is open elsewhere or holds records."""
    if not backup_file.is_file():
        raise BackupError(f"There is no backup file at {backup_file}.")
    try:
        source = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
        _check(source, f"{backup_file}")
        source.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{backup_file} is not a SQLite database ({exc}).") from exc
    try:
        if not force and in_use(database):
            raise BackupError(
                f"{database} is in use (its -wal/-shm files exist): stop the app first, or "
                "give --force to restore into the live database."
            )
        if not force and _has_records(database):
            raise BackupError(
                f"{database} already holds records; give --force to replace them with the backup."
            )
        target = sqlite3.connect(database, timeout=30)
        try:
            _copy(source, target, progress)
            _check(target, "The restored database")
        finally:
            target.close()
    finally:
        source.close()
    return summarize(database)
