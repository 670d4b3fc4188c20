"""Report forms (shape only; the services hold the rules)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, StringField
from wtforms.validators import Length


class OfficialForm(FlaskForm):
    recipient = StringField("Recipient", validators=[Length(max=200)])
    purpose = StringField("Purpose", validators=[Length(max=300)])
    requested_by = StringField("Requested by", validators=[Length(max=200)])
    # The confirmation page's single-use key (views.issue_official checks it against the
    # session before anything else; the form page never shows it).
    issue_key = HiddenField()


class RevokeForm(FlaskForm):
    reason = StringField("Reason", validators=[Length(max=300)])


class VerifyUploadForm(FlaskForm):
    file = FileField("The PDF you received", validators=[FileRequired("Choose the PDF file.")])
