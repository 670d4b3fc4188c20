"""Externship forms (shape only; the services hold the rules)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, Optional

from school.cohorts.forms import PlainDateField
from school.internships.models import RATINGS, Evaluation, SettingType
from school.internships.services import evaluations as evaluation_services
from school.internships.services import hours as hour_services
from school.internships.services import placements as placement_services
from school.web.fields import NumberField, NumberText, VersionField
from school.web.inputs import db_id


class SiteForm(FlaskForm):
    name = StringField("Site name", validators=[Length(max=160)])
    setting_type = SelectField("Setting", validate_choice=False)
    address = StringField("Address", validators=[Length(max=300)])
    contact_name = StringField("Contact person", validators=[Length(max=120)])
    contact_email = StringField("Contact email", validators=[Length(max=254)])
    contact_phone = StringField("Contact phone", validators=[Length(max=30)])
    active = BooleanField("Accepting externs", default=True)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.setting_type.choices = [("", "Choose…")] + [(s.value, s.label) for s in SettingType]


class AgreementForm(FlaskForm):
    signed_on = PlainDateField("Signed on", validators=[Optional()])
    expires_on = PlainDateField("Expires on", validators=[Optional()])
    note = StringField("Note", validators=[Length(max=300)])


class SupervisorForm(FlaskForm):
    email = StringField("Supervisor's email", validators=[Length(max=254)])
    name = StringField("Full name (for a new account)", validators=[Length(max=120)])


class PlacementForm(FlaskForm):
    site_id = SelectField("Site", coerce=db_id, validate_choice=False)
    supervisor_id = SelectField("Supervisor", coerce=db_id, validate_choice=False)
    start_date = PlainDateField("First day", validators=[Optional()])
    end_date = PlainDateField("Last day", validators=[Optional()])
    required_hours = NumberField(
        "Hours required", validators=[Optional()], bounds=placement_services.REQUIRED_HOURS
    )


class EndPlacementForm(FlaskForm):
    ended_on = PlainDateField("Last day at the site", validators=[Optional()])
    reason = StringField("Reason", validators=[Length(max=500)])


class LogForm(FlaskForm):
    work_date = PlainDateField("Day worked", validators=[Optional()])
    hours = StringField(
        "Hours",
        validators=[NumberText(hour_services.LOG_HOURS, not_a_number=hour_services.HOURS_NUMBER)],
    )
    activities = TextAreaField("What you did", validators=[Length(max=2000)])


class DecisionForm(FlaskForm):
    decision = SelectField("Decision", validate_choice=False)
    note = TextAreaField("Note to the student", validators=[Length(max=1000)])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.decision.choices = [
            ("confirm", "Confirm"),
            ("needs_info", "Ask for more information"),
            ("reject", "Reject"),
        ]


SCALE = [("", "Choose…")] + [
    (str(n), f"{n} — {w}")
    for n, w in ((5, "excellent"), (4, "good"), (3, "meets expectations"), (2, "fair"), (1, "poor"))
]


class EvaluationForm(FlaskForm):
    icd_accuracy = SelectField(validate_choice=False)
    cpt_accuracy = SelectField(validate_choice=False)
    documentation_review = SelectField(validate_choice=False)
    compliance = SelectField(validate_choice=False)
    productivity = SelectField(validate_choice=False)
    professionalism = SelectField(validate_choice=False)
    would_hire = RadioField("Would you hire this student?", validate_choice=False)
    comments = TextAreaField("Comments", validators=[Length(max=4000)])
    before_hours_complete = BooleanField("I am submitting before the hours are complete")
    # A correction carries the version of the evaluation it was made from.
    version = VersionField()

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        for name, label in RATINGS:
            field = self[name]
            field.label.text = label
            field.choices = SCALE
        self.would_hire.choices = [("yes", "Yes"), ("no", "No")]

    def rating(self, name: str) -> int | None:
        value = self[name].data
        return int(value) if value in {"1", "2", "3", "4", "5"} else None

    def evaluation_data(self) -> evaluation_services.EvaluationData:
        """The ratings, comments and "would hire" as sent (None for what is missing)."""
        return evaluation_services.EvaluationData(
            ratings={name: self.rating(name) for name, _ in RATINGS},
            comments=self.comments.data or "",
            would_hire={"yes": True, "no": False}.get(self.would_hire.data or ""),
        )

    def fill_from(self, evaluation: Evaluation) -> None:
        """Prefill the form with a sent evaluation, to correct it."""
        for name, _ in RATINGS:
            self[name].data = str(getattr(evaluation, name))
        self.would_hire.data = "yes" if evaluation.would_hire else "no"
        self.comments.data = evaluation.comments or ""
        self.version.data = evaluation.version


class LinkConfirmForm(FlaskForm):
    signature = StringField("Your full name, as signature", validators=[Length(max=120)])
