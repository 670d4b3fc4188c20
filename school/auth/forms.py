"""Account forms. Business rules live in the services; these check shape only."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    EmailField,
    PasswordField,
    SelectChoice,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Email, Length

from school.auth.models import Role


class LoginForm(FlaskForm):
    email = EmailField(
        "Email",
        validators=[DataRequired("Enter your email address."), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )
    password = PasswordField(
        "Password",
        validators=[DataRequired("Enter your password.")],
        render_kw={"autocomplete": "current-password"},
    )
    remember = BooleanField("Keep me signed in on this device")


class SetPasswordForm(FlaskForm):
    # No validators: the service checks both fields together and lists every problem at once.
    password = PasswordField("New password", render_kw={"autocomplete": "new-password"})
    confirm = PasswordField("Repeat the new password", render_kw={"autocomplete": "new-password"})


class ChangePasswordForm(SetPasswordForm):
    current = PasswordField("Current password", render_kw={"autocomplete": "current-password"})


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        "Email",
        validators=[DataRequired("Enter your email address."), Length(max=254)],
        render_kw={"autocomplete": "username"},
    )


class InviteForm(FlaskForm):
    name = StringField(
        "Full name", validators=[DataRequired("Enter the person's name."), Length(max=120)]
    )
    email = EmailField(
        "Email",
        validators=[
            DataRequired("Enter an email address."),
            Email(
                "Enter a valid email address, like name@example.com.", check_deliverability=False
            ),
            Length(max=254),
        ],
    )
    role = SelectField(
        "Role",
        # Least privilege first: an admin who does not touch the list invites a student.
        choices=[
            SelectChoice(r.value, r.label)
            for r in (Role.STUDENT, Role.INSTRUCTOR, Role.EMPLOYER, Role.ADMIN)
        ],
        default=Role.STUDENT.value,
        validators=[DataRequired("Choose a role.")],
    )


class ConfirmForm(FlaskForm):
    """An empty form: carries the CSRF token for a POST button."""
