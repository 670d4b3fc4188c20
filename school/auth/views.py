"""Sign-in, account, emailed-link and user-administration pages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_user, logout_user

from school.auth import queries, sessions
from school.auth.access import get_authorized, login_required, public, roles_required
from school.auth.forms import (
    ChangePasswordForm,
    ConfirmForm,
    ForgotPasswordForm,
    InviteForm,
    LoginForm,
    SetPasswordForm,
)
from school.auth.models import Role, TokenPurpose, User
from school.auth.policies import can_manage_user
from school.auth.services import accounts, invitations, password_changes, signin, tokens
from school.errors import DomainError, TooManyAttempts
from school.links.tokens import LinkInvalid, TokenInvalid, open_link_page, require_opened
from school.web.commit import commit_early, save
from school.web.forms import apply_problems
from school.web.inputs import list_request, safe_next_url
from school.web.security import client_ip, user_agent

bp = Blueprint("auth", __name__, template_folder="templates")


def _record_session(user: User, *, remember: bool = False) -> None:
    """Record a new server-side sign-in of ``user`` (school.auth.sessions); the caller saves
    it with the rest of the request, then calls :func:`_start_session`."""
    sessions.start_login_session(
        user=user, remember=remember, ip=client_ip(), user_agent=user_agent()
    )


def _start_session(user: User, *, remember: bool = False) -> None:
    """Sign this browser in as ``user``, once its recorded sign-in is saved: the session and
    remember cookies carry the sign-in's secret."""
    # A new session for a new identity: nothing from before sign-in carries over.
    session.clear()
    login_user(user, remember=remember)
    if not remember:
        session["_remember"] = "clear"  # drop a remember cookie an earlier user left here


def _minutes(exc: TooManyAttempts) -> int:
    return max(1, -(-exc.retry_after // 60))


def _wait_message(exc: TooManyAttempts) -> str:
    minutes = _minutes(exc)
    return f"Wait {minutes} minute{'s' if minutes != 1 else ''} and try again."


def _end_session() -> None:
    # Clear first: logout_user() leaves the instruction to delete the remember cookie in the
    # session, and clearing after it would lose that instruction (and keep the user signed in).
    session.clear()
    logout_user()


def _signed_out(action: Callable[[], object], done: str):  # type: ignore[no-untyped-def]
    """Save a sign-out (``action``) and clear this browser's session (in that order: the
    flash goes into the cleared session). If the database refuses it, nothing ended: the
    browser stays signed in and is told so."""
    if not save(action, flash_problems=True).ok:
        return redirect(url_for("auth.account"))
    _end_session()
    flash(done, "success")
    return redirect(url_for("auth.login"))


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("dashboard.dashboard"))
    form = LoginForm()
    status = 200
    retry_minutes = None
    if form.validate_on_submit():
        try:
            attempt = signin.start_login(email=form.email.data, ip=client_ip())
            commit_early("sign-in throttle")  # the attempt counts before the slow check
            user = signin.finish_login(attempt, password=form.password.data)
        except TooManyAttempts as exc:
            commit_early("sign-in throttle")  # keep the counted failure and its audit row
            retry_minutes = _minutes(exc)
            status = 429
            form.form_errors = [
                f"Too many failed sign-in attempts. {_wait_message(exc)} Or reset your password."
            ]
        except DomainError as exc:
            commit_early("sign-in throttle")  # keep the counted failure and its audit row
            apply_problems(form, exc)
        else:
            remember = bool(form.remember.data)
            if save(lambda: _record_session(user, remember=remember), form=form).ok:
                _start_session(user, remember=remember)
                flash(f"Welcome, {user.name}.", "success")
                next_url = safe_next_url(request.args.get("next"))
                return redirect(next_url or url_for("dashboard.dashboard"))
    response = current_app.make_response((render_template("auth/login.html", form=form), status))
    if retry_minutes:
        response.headers["Retry-After"] = str(retry_minutes * 60)
    return response


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    # This browser's sign-in ends on the server: its cookies, kept or copied, are worthless.
    user = current_user._get_current_object()
    return _signed_out(lambda: sessions.end_login_session(user=user), "You are signed out.")


@bp.route("/account")
@login_required
def account():
    # No form object: the page's one button posts the layout's CSRF token (post_button), and
    # building a ConfirmForm only signed that token once more.
    return render_template(
        "auth/account.html",
        other_sessions=sessions.count_other_sessions(user=current_user._get_current_object()),
    )


@bp.route("/account/logout-everywhere", methods=["POST"])
@login_required
def logout_everywhere():
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    user = current_user._get_current_object()
    return _signed_out(
        lambda: signin.logout_everywhere(user=user), "You are signed out on every device."
    )


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    status, retry_after = 200, None
    if form.validate_on_submit():
        user = current_user._get_current_object()
        # This browser signs in afresh with the new version (others have ended); a device
        # that was kept signed in stays so, with a fresh cookie.
        cookie = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
        remember = cookie in request.cookies

        def change() -> None:
            current = form.current.data or ""
            current_ok = _current_password_ok(user, current)
            password_changes.change_password(
                user=user,
                current=current,
                current_ok=current_ok,
                password=form.password.data or "",
                confirm=form.confirm.data or "",
            )
            _record_session(user, remember=remember)

        saved = save(change, form=form, keep=(TooManyAttempts,))
        if isinstance(saved.error, TooManyAttempts):
            status, retry_after = 429, saved.error.retry_after
            form.current.errors = [_wait_message(saved.error)]
        elif saved.ok:
            _start_session(user, remember=remember)
            flash("Your password is changed. You were signed out everywhere else.", "success")
            return redirect(url_for("auth.account"))
    headers = {"Retry-After": str(retry_after)} if retry_after else {}
    return render_template("auth/change_password.html", form=form), status, headers


def _current_password_ok(user: User, current: str) -> bool:
    """Check a signed-in user's current password, counted like a sign-in attempt (or
    :class:`TooManyAttempts`)."""
    if not current:
        return False
    attempt = signin.start_password_check(user=user, ip=client_ip())
    commit_early("sign-in throttle")  # counted before the slow check, which holds no lock
    current_ok = signin.finish_password_check(attempt, current=current)
    commit_early("sign-in throttle")  # kept even if the new password is refused
    return current_ok


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        email = form.email.data
        if save(
            lambda: password_changes.request_password_reset(email=email, ip=client_ip()), form=form
        ).ok:
            return render_template("auth/forgot_sent.html", email=email)
    return render_template("auth/forgot.html", form=form)


def _link_refused(exc: LinkInvalid):  # type: ignore[no-untyped-def]
    return render_template("auth/link_invalid.html", reason=exc.reason, message=str(exc)), 410


@dataclass(frozen=True)
class _LinkPages:
    """The two pages of one kind of emailed account link: the link itself, and the form it
    moves to (at a URL without the secret)."""

    purpose: TokenPurpose
    form_endpoint: str
    template: str


INVITATION = _LinkPages(
    TokenPurpose.INVITATION, "auth.invitation_password", "auth/accept_invitation.html"
)
PASSWORD_RESET = _LinkPages(
    TokenPurpose.PASSWORD_RESET, "auth.new_password", "auth/reset_password.html"
)


def _open_link(pages: _LinkPages, token: str):  # type: ignore[no-untyped-def]
    """An emailed link: check it, remember in the (signed) session that this browser holds
    it, and move to a page whose URL holds no secret (out of history and Referer headers).
    Each link gets its own form page, so two links open in two tabs never mix."""
    return open_link_page(
        lambda secret: tokens.check_token(secret, pages.purpose),
        token,
        pages.form_endpoint,
        _link_refused,
    )


def _link_form(pages: _LinkPages, link_id: int, action):  # type: ignore[no-untyped-def]
    """The set-password form of one emailed link opened in this browser; ``action`` sets
    the password and uses the link up."""
    try:
        require_opened(link_id, pages.purpose, TokenInvalid)
        record = tokens.load_token(link_id, pages.purpose)
    except TokenInvalid as exc:
        return _link_refused(exc)
    form = SetPasswordForm()
    if form.validate_on_submit():

        def set_password() -> User:
            user = action(
                token_id=link_id,
                password=form.password.data or "",
                confirm=form.confirm.data or "",
            )
            _record_session(user)
            return user

        saved = save(set_password, form=form, keep=(TokenInvalid,))
        if isinstance(saved.error, TokenInvalid):
            return _link_refused(saved.error)
        if saved.ok and saved.result is not None:
            _start_session(saved.result)  # also forgets opened links and whoever was here
            flash("Your password is set. You are signed in.", "success")
            return redirect(url_for("dashboard.dashboard"))
    return render_template(pages.template, form=form, user=record.user)


@bp.route("/invitation/<token>")
@public
def accept_invitation(token: str):
    return _open_link(INVITATION, token)


@bp.route("/welcome/<int:link_id>", methods=["GET", "POST"])
@public
def invitation_password(link_id: int):
    return _link_form(INVITATION, link_id, invitations.accept_invitation)


@bp.route("/password/reset/<token>")
@public
def reset_password(token: str):
    return _open_link(PASSWORD_RESET, token)


@bp.route("/password/new/<int:link_id>", methods=["GET", "POST"])
@public
def new_password(link_id: int):
    return _link_form(PASSWORD_RESET, link_id, password_changes.reset_password)


# --- administration ---------------------------------------------------------------------


@bp.route("/admin/users")
@roles_required(Role.ADMIN)
def users():
    args = request.args
    role = args.get("role") if args.get("role") in {r.value for r in Role} else None
    status = (
        args.get("status") if args.get("status") in {"active", "invited", "deactivated"} else None
    )
    page = queries.list_users(
        list_request(),
        role=Role(role) if role else None,
        status=status,
        q=args.get("q", "")[:100] or None,
    )
    filters = {"role": role or "", "status": status or "", "q": args.get("q", "")[:100]}
    return render_template(
        "auth/users.html",
        page=page,
        filters=filters,
        roles=list(Role),
        invited=queries.invited_among(page.items),
    )


@bp.route("/admin/users/invite", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def invite():
    form = InviteForm()
    if request.method == "GET" and request.args.get("role") in {r.value for r in Role}:
        form.role.data = request.args["role"]
    if form.validate_on_submit():
        saved = save(
            lambda: invitations.invite_user(
                email=form.email.data,
                name=form.name.data,
                role=Role(form.role.data),
                invited_by=current_user._get_current_object(),
            ),
            form=form,
        )
        user = saved.result
        if saved.ok and user is not None:
            flash(f"Invitation sent to {user.email}.", "success")
            return redirect(url_for("auth.user_detail", user_id=user.id))
    return render_template("auth/invite.html", form=form)


@bp.route("/admin/users/<int:user_id>")
@roles_required(Role.ADMIN)
def user_detail(user_id: int):
    user = get_authorized(User, user_id, can_manage_user)
    return render_template(
        "auth/user_detail.html", detail=queries.user_detail(user), form=ConfirmForm()
    )


def _admin_action(user_id: int, action, done: str):  # type: ignore[no-untyped-def]
    user = get_authorized(User, user_id, can_manage_user)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    by = current_user._get_current_object()
    save(lambda: action(user=user, by=by), done=done.format(email=user.email))
    return redirect(url_for("auth.user_detail", user_id=user_id))


@bp.route("/admin/users/<int:user_id>/deactivate", methods=["POST"])
@roles_required(Role.ADMIN)
def deactivate(user_id: int):
    return _admin_action(
        user_id, accounts.deactivate_user, "{email} is deactivated and signed out everywhere."
    )


@bp.route("/admin/users/<int:user_id>/reactivate", methods=["POST"])
@roles_required(Role.ADMIN)
def reactivate(user_id: int):
    return _admin_action(user_id, accounts.reactivate_user, "{email} can sign in again.")


@bp.route("/admin/users/<int:user_id>/resend-invitation", methods=["POST"])
@roles_required(Role.ADMIN)
def resend_invitation(user_id: int):
    return _admin_action(
        user_id, invitations.resend_invitation, "A new invitation was sent to {email}."
    )
