"""Outcome forms (shape only; the services hold the rules)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import Length, Optional

from school.cohorts.forms import PlainDateField
from school.outcomes.models import Classification, JobSetting, UnavailableReason
from school.outcomes.services.jobs import ENTERED_SOURCES
from school.web.fields import VersionField

HOURS = [("full", "Full time"), ("part", "Part time")]


class JobForm(FlaskForm):
    employer = StringField("Employer", validators=[Length(max=160)])
    job_title = StringField("Job title", validators=[Length(max=120)])
    setting = SelectField("Kind of workplace", validate_choice=False)
    start_date = PlainDateField("First day of the job", validators=[Optional()])
    classification = RadioField("Field", validate_choice=False)
    hours = RadioField("Hours", validate_choice=False)
    remote = BooleanField("Works remotely")
    annual_salary = StringField("Yearly salary (USD, optional)", validators=[Length(max=20)])
    employer_email = StringField(
        "Employer contact email (for verification)", validators=[Length(max=254)]
    )
    source = RadioField("Source of these details", validate_choice=False)
    version = VersionField()

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.setting.choices = [("", "Choose…"), *((s.value, s.label) for s in JobSetting)]
        self.classification.choices = [(c.value, c.label) for c in Classification]
        self.source.choices = [(s.value, s.label) for s in ENTERED_SOURCES]
        self.hours.choices = list(HOURS)


class UnavailableForm(FlaskForm):
    reason = SelectField("Reason", validate_choice=False)
    documented_on = PlainDateField("Date of the document", validators=[Optional()])
    note = TextAreaField("What documents it", validators=[Length(max=500)])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.reason.choices = [("", "Choose…"), *((r.value, r.label) for r in UnavailableReason)]


class VerifyJobForm(FlaskForm):
    job_title = StringField("Job title", validators=[Length(max=120)])
    start_date = PlainDateField("First day of the job", validators=[Optional()])
    hours = RadioField("Hours", validate_choice=False)
    note = TextAreaField(
        "Anything else the school should know (optional)", validators=[Length(max=1000)]
    )
    signature = StringField("Your full name (signature)", validators=[Length(max=120)])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.hours.choices = list(HOURS)


class VersionForm(FlaskForm):
    version = VersionField()
