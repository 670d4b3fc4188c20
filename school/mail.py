"""Email through an outbox table.

A service that causes an email calls :func:`queue_email`; the message row is written in the same
transaction as the change, so an email is never sent for a change that rolled back, and never
lost for one that committed. After the commit, :func:`deliver_queued` sends it over SMTP. With
no ``MAIL_SERVER`` (development) messages stay in the outbox and an admin reads them on the
outbox page. ``flask outbox send`` retries anything that failed.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import enum
import smtplib
from email.message import EmailMessage
from email.utils import make_msgid

from flask import Response, current_app
from sqlalchemy import Index, Integer, String, Text, or_, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column
from werkzeug.wsgi import ClosingIterator

from school.database import UTCDateTime, utcnow
from school.extensions import db

QUEUED_KEY = "outbox_queued_ids"
CLAIM_LEASE = dt.timedelta(minutes=10)


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # will be retried
    REFUSED = "refused"  # the server refused it for good (5xx); not retried


class OutboxMessage(db.Model):
    __tablename__ = "outbox_messages"
    # AUTOINCREMENT on SQLite: an id rolled back is never reused by another message. A batch
    # migration that recreates this table must pass table_kwargs={"sqlite_autoincrement": True}.
    __table_args__ = (
        Index("ix_outbox_messages_sent_at", "sent_at"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    to_address: Mapped[str] = mapped_column(String(254))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500))
    refused_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # Set while a sender is delivering it; a claim older than CLAIM_LEASE is a crashed sender.
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())

    @property
    def status(self) -> OutboxStatus:
        if self.sent_at is not None:
            return OutboxStatus.SENT
        if self.refused_at is not None:
            return OutboxStatus.REFUSED
        return OutboxStatus.FAILED if self.last_error else OutboxStatus.PENDING


def queue_email(*, to: str, subject: str, body: str) -> OutboxMessage:
    """Add a message to the outbox in the current transaction; it is sent after the commit."""
    message = OutboxMessage(to_address=to, subject=subject, body=body, created_at=utcnow())
    db.session.add(message)
    db.session.flush()
    db.session.info.setdefault(QUEUED_KEY, []).append(message.id)
    return message


def mail_configured() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def send_after_response(response: Response) -> Response:
    """``after_request`` hook: send what the request queued once the response has gone out.

    The WSGI server closes the response after sending its body, by which time the request's
    session has ended (committed or rolled back); only committed messages are found then.
    The user does not wait for the mail server, and the time a page takes no longer tells
    whether an email was sent (the password-reset form must not reveal who has an account).
    """
    ids = db.session().info.pop(QUEUED_KEY, [])
    if ids and mail_configured():
        app = current_app._get_current_object()  # type: ignore[attr-defined]

        def deliver() -> None:
            with app.app_context():
                try:
                    _deliver(ids)
                except Exception:
                    # The change is committed; the message waits for `flask outbox send`.
                    app.logger.exception("delivering queued email failed")

        if response.direct_passthrough:
            # File responses reach the server unwrapped (so it can use sendfile), and
            # call_on_close would never run: close through a wrapper instead.
            response.response = ClosingIterator(response.response, [deliver])
        else:
            response.call_on_close(deliver)
    return response


def deliver_queued() -> int:
    """Send what this session queued, as far as it was committed. Returns how many were sent.

    For CLI commands, after their commit (requests use :func:`send_after_response`). It
    first ends the session's open transaction, discarding anything uncommitted, as the end of
    a request would anyway; then it reads the queued rows back in a session of its own, so a
    message whose transaction (or savepoint) rolled back is simply not found and never sent.
    """
    session = db.session()
    ids = session.info.pop(QUEUED_KEY, [])
    if not ids or not mail_configured():
        return 0
    # Also releases SQLite's write lock, which the delivery's own transaction needs.
    session.rollback()
    return _deliver(ids)


def deliver_pending(*, limit: int = 500) -> int:
    """Send every unsent message (retries included). Used by ``flask outbox send``."""
    if not mail_configured():
        return 0
    with Session(db.engine) as session:
        ids = session.scalars(
            select(OutboxMessage.id)
            .where(OutboxMessage.sent_at.is_(None), OutboxMessage.refused_at.is_(None))
            # Fewest attempts first: messages that keep failing never starve new ones.
            .order_by(OutboxMessage.attempts, OutboxMessage.id)
            .limit(limit)
        ).all()
    return _deliver(list(ids))


def _deliver(ids: list[int]) -> int:
    # A session of its own: delivery must never commit whatever the caller has in progress.
    with Session(db.engine, expire_on_commit=False) as session:
        return _deliver_in(session, ids)


def _deliver_in(session: Session, ids: list[int]) -> int:
    cfg = current_app.config
    messages = _unsent(session, ids)
    if not messages:
        return 0
    not_started = {m.id for m in messages}
    in_flight: set[int] = set()
    sent = 0
    try:
        smtp = smtplib.SMTP(cfg["MAIL_SERVER"], int(cfg["MAIL_PORT"]), timeout=cfg["MAIL_TIMEOUT"])
    except OSError as exc:
        _record_failure(session, not_started, f"cannot connect: {exc}", count_attempt=True)
        return 0
    try:
        if cfg["MAIL_USE_STARTTLS"]:
            smtp.starttls()
        if cfg["MAIL_USERNAME"]:
            smtp.login(cfg["MAIL_USERNAME"], cfg["MAIL_PASSWORD"] or "")
        for message in messages:
            claimed = _claim(session, message.id)
            not_started.discard(message.id)
            if not claimed:
                continue
            in_flight.add(message.id)
            try:
                smtp.send_message(_as_email(message))
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as exc:
                # Refused (the connection is still good for the others): 5xx is final.
                code = _smtp_code(exc)
                _record_failure(session, {message.id}, str(exc), refused=code >= 500)
                in_flight.discard(message.id)
                continue
            _mark_sent(session, message.id)
            in_flight.discard(message.id)
            sent += 1
    except (smtplib.SMTPException, OSError) as exc:
        # TLS, login, or the connection failed: whatever was not sent waits for a retry.
        error = f"{type(exc).__name__}: {exc}"
        _record_failure(session, in_flight, error)
        _record_failure(session, not_started, error, count_attempt=True)
    finally:
        with contextlib.suppress(smtplib.SMTPException, OSError):
            smtp.quit()
    return sent


def _unsent(session: Session, ids: list[int]) -> list[OutboxMessage]:
    """The messages of ``ids`` not yet sent nor refused; the read transaction ends here,
    before a slow network call."""
    messages = session.scalars(
        select(OutboxMessage).where(
            OutboxMessage.id.in_(ids),
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.refused_at.is_(None),
        )
    ).all()
    session.commit()  # end the read transaction before a slow network call
    return list(messages)


def _claim(session: Session, message_id: int) -> bool:
    """Claim a message before sending it: of two senders (a request and `flask outbox send`),
    only the one whose guarded update succeeds goes on to send."""
    now = utcnow()
    claimed = session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.sent_at.is_(None),
            OutboxMessage.refused_at.is_(None),
            or_(
                OutboxMessage.claimed_at.is_(None),
                OutboxMessage.claimed_at < now - CLAIM_LEASE,
            ),
        )
        .values(attempts=OutboxMessage.attempts + 1, claimed_at=now)
    ).rowcount
    session.commit()
    return bool(claimed)


def _mark_sent(session: Session, message_id: int) -> None:
    session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message_id)
        .values(sent_at=utcnow(), last_error=None, claimed_at=None)
    )
    session.commit()


def _smtp_code(exc: smtplib.SMTPException) -> int:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return min((code for code, _msg in exc.recipients.values()), default=0)
    return int(getattr(exc, "smtp_code", 0) or 0)


def _as_email(message: OutboxMessage) -> EmailMessage:
    cfg = current_app.config
    email = EmailMessage()
    email["From"] = cfg["MAIL_SENDER"]
    email["To"] = message.to_address
    email["Subject"] = message.subject
    email["Message-ID"] = make_msgid(domain="school.invalid")
    email.set_content(message.body)
    return email


def _record_failure(
    session: Session,
    ids: set[int],
    error: str,
    *,
    count_attempt: bool = False,
    refused: bool = False,
) -> None:
    """Note why ``ids`` were not sent. Messages this sender claimed are released;
    ``count_attempt`` is for those it never reached (and leaves alone any another sender
    has claimed meanwhile)."""
    if not ids:
        return
    values: dict[str, object] = {"last_error": error[:500], "claimed_at": None}
    stmt = update(OutboxMessage).where(OutboxMessage.id.in_(ids))
    if count_attempt:
        values["attempts"] = OutboxMessage.attempts + 1
        stmt = stmt.where(OutboxMessage.claimed_at.is_(None), OutboxMessage.sent_at.is_(None))
    if refused:
        values["refused_at"] = utcnow()
    session.execute(stmt.values(**values))
    session.commit()
    current_app.logger.warning("email delivery failed for %s: %s", sorted(ids), error)
