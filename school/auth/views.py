"""Sign-in, account, emailed-link and user-administration pages."""

from __future__ import annotations

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

from school.auth import queries, services, sessions
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
from school.errors import DomainError, TooManyAttempts
from school.extensions import db
from school.pagination import parse_page
from school.web.commit import commit_or_conflict, commit_or_show
from school.web.forms import apply_problems
from school.web.inputs import safe_next_url
from school.web.security import client_ip, no_referrer, user_agent

bp = Blueprint("auth", __name__, template_folder="templates")


def _start_session(user: User, *, remember: bool = False) -> None:
    """Sign this browser in as ``user``: a new server-side sign-in whose secret the session
    and remember cookies carry (school.auth.sessions). The caller commits."""
    # A new session for a new identity: nothing from before sign-in carries over.
    session.clear()
    sessions.start_login_session(
        user=user, remember=remember, ip=client_ip(), user_agent=user_agent()
    )
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


def _signed_out(done: str):  # type: ignore[no-untyped-def]
    """Commit a sign-out the caller has recorded and clear this browser's session (in that
    order: the flash goes into the cleared session). If the database refuses the commit,
    nothing ended: the browser stays signed in and is told so."""
    conflict = commit_or_conflict()
    if conflict:
        flash(conflict, "error")
        return redirect(url_for("auth.account"))
    _end_session()
    flash(done, "success")
    return redirect(url_for("auth.login"))


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.dashboard"))
    form = LoginForm()
    status = 200
    retry_minutes = None
    if form.validate_on_submit():
        try:
            attempt = services.start_login(email=form.email.data, ip=client_ip())
            db.session.commit()  # the attempt counts before the slow password check
            user = services.finish_login(attempt, password=form.password.data)
        except TooManyAttempts as exc:
            db.session.commit()  # keep the counted failure and its audit row
            retry_minutes = _minutes(exc)
            status = 429
            form.form_errors = [
                f"Too many failed sign-in attempts. {_wait_message(exc)} Or reset your password."
            ]
        except DomainError as exc:
            db.session.commit()
            apply_problems(form, exc)
        else:
            _start_session(user, remember=bool(form.remember.data))
            db.session.commit()
            flash(f"Welcome, {user.name}.", "success")
            return redirect(safe_next_url(request.args.get("next")) or url_for("core.dashboard"))
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
    sessions.end_login_session(user=current_user._get_current_object())
    return _signed_out("You are signed out.")


@bp.route("/account")
@login_required
def account():
    return render_template(
        "auth/account.html",
        form=ConfirmForm(),
        other_sessions=sessions.count_other_sessions(user=current_user._get_current_object()),
    )


@bp.route("/account/logout-everywhere", methods=["POST"])
@login_required
def logout_everywhere():
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    services.logout_everywhere(user=current_user)
    return _signed_out("You are signed out on every device.")


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    status, retry_after = 200, None
    if form.validate_on_submit():
        user = current_user._get_current_object()
        current = form.current.data or ""
        try:
            current_ok = False
            if current:
                attempt = services.start_password_check(user=user, ip=client_ip())
                db.session.commit()  # counted before the slow check, which holds no lock
                current_ok = services.finish_password_check(attempt, current=current)
                db.session.commit()  # kept even if the new password is refused below
            services.change_password(
                user=user,
                current=current,
                current_ok=current_ok,
                password=form.password.data or "",
                confirm=form.confirm.data or "",
            )
        except TooManyAttempts as exc:
            db.session.rollback()
            status, retry_after = 429, exc.retry_after
            form.current.errors = [_wait_message(exc)]
        except DomainError as exc:
            db.session.rollback()
            apply_problems(form, exc)
        else:
            # This browser signs in afresh with the new version (others have ended); a
            # device that was kept signed in stays so, with a fresh cookie.
            remembered = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
            _start_session(user, remember=remembered in request.cookies)
            db.session.commit()
            flash("Your password is changed. You were signed out everywhere else.", "success")
            return redirect(url_for("auth.account"))
    headers = {"Retry-After": str(retry_after)} if retry_after else {}
    return render_template("auth/change_password.html", form=form), status, headers


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(email=form.email.data, ip=client_ip())
        db.session.commit()
        return render_template("auth/forgot_sent.html", email=form.email.data)
    return render_template("auth/forgot.html", form=form)


LINKS_KEY = "opened_links"  # [token id, purpose] of links opened in this browser


def _open_link(purpose: TokenPurpose, token: str, form_endpoint: str):  # type: ignore[no-untyped-def]
    """An emailed link: check it, remember in the (signed) session that this browser holds
    it, and move to a page whose URL holds no secret (out of history and Referer headers).
    Each link gets its own form page, so two links open in two tabs never mix."""
    no_referrer()
    try:
        record = services.check_token(token, purpose)
    except services.TokenInvalid as exc:
        return _link_refused(exc)
    # A list, oldest first (the session serializer would sort a dict's keys); the last five.
    opened = [pair for pair in session.get(LINKS_KEY, []) if pair[0] != record.id]
    session[LINKS_KEY] = [*opened, [record.id, purpose.value]][-5:]
    return redirect(url_for(form_endpoint, link_id=record.id))


def _link_refused(exc: services.TokenInvalid):  # type: ignore[no-untyped-def]
    return render_template("auth/link_invalid.html", reason=exc.reason, message=str(exc)), 410


def _link_form(purpose: TokenPurpose, link_id: int, template: str, action):  # type: ignore[no-untyped-def]
    """The set-password form of one emailed link opened in this browser."""
    try:
        if [link_id, purpose.value] not in session.get(LINKS_KEY, []):
            raise services.TokenInvalid("missing")
        record = services.load_token(link_id, purpose)
    except services.TokenInvalid as exc:
        return _link_refused(exc)
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            user = action(
                token_id=link_id,
                password=form.password.data or "",
                confirm=form.confirm.data or "",
            )
        except services.TokenInvalid as exc:
            db.session.rollback()
            return _link_refused(exc)
        except DomainError as exc:
            db.session.rollback()
            apply_problems(form, exc)
        else:
            _start_session(user)  # also forgets opened links and whoever was signed in here
            db.session.commit()
            flash("Your password is set. You are signed in.", "success")
            return redirect(url_for("core.dashboard"))
    return render_template(template, form=form, user=record.user)


@bp.route("/invitation/<token>")
@public
def accept_invitation(token: str):
    return _open_link(TokenPurpose.INVITATION, token, "auth.invitation_password")


@bp.route("/welcome/<int:link_id>", methods=["GET", "POST"])
@public
def invitation_password(link_id: int):
    return _link_form(
        TokenPurpose.INVITATION, link_id, "auth/accept_invitation.html", services.accept_invitation
    )


@bp.route("/password/reset/<token>")
@public
def reset_password(token: str):
    return _open_link(TokenPurpose.PASSWORD_RESET, token, "auth.new_password")


@bp.route("/password/new/<int:link_id>", methods=["GET", "POST"])
@public
def new_password(link_id: int):
    return _link_form(
        TokenPurpose.PASSWORD_RESET, link_id, "auth/reset_password.html", services.reset_password
    )


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
        page=parse_page(args.get("page")),
        per_page=current_app.config["PER_PAGE"],
        sort=args.get("sort"),
        direction=args.get("dir"),
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
        ok, user = commit_or_show(
            form,
            lambda: services.invite_user(
                email=form.email.data,
                name=form.name.data,
                role=Role(form.role.data),
                invited_by=current_user._get_current_object(),
            ),
        )
        if ok:
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
    try:
        action(user=user, by=current_user._get_current_object())
    except DomainError as exc:
        db.session.rollback()
        for message in exc.problems.get("", []):
            flash(message, "error")
    else:
        db.session.commit()
        flash(done.format(email=user.email), "success")
    return redirect(url_for("auth.user_detail", user_id=user_id))


@bp.route("/admin/users/<int:user_id>/deactivate", methods=["POST"])
@roles_required(Role.ADMIN)
def deactivate(user_id: int):
    return _admin_action(
        user_id, services.deactivate_user, "{email} is deactivated and signed out everywhere."
    )


@bp.route("/admin/users/<int:user_id>/reactivate", methods=["POST"])
@roles_required(Role.ADMIN)
def reactivate(user_id: int):
    return _admin_action(user_id, services.reactivate_user, "{email} can sign in again.")


@bp.route("/admin/users/<int:user_id>/resend-invitation", methods=["POST"])
@roles_required(Role.ADMIN)
def resend_invitation(user_id: int):
    return _admin_action(
        user_id, services.resend_invitation, "A new invitation was sent to {email}."
    )
