"""Certification forms (shape only; the services hold the rules)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField
from wtforms.validators import Length, Optional

from school.certifications.services import awards, credential_settings, exam_attempts, milestones
from school.cohorts.forms import PlainDateField
from school.web.fields import NumberField, NumberText, WholeNumberField
from school.web.inputs import db_id


class CredentialForm(FlaskForm):
    name = StringField("Name", validators=[Length(max=160)])
    exam_questions = WholeNumberField(
        "Exam questions", validators=[Optional()], bounds=credential_settings.EXAM_QUESTIONS
    )
    exam_minutes = WholeNumberField(
        "Exam minutes", validators=[Optional()], bounds=credential_settings.EXAM_MINUTES
    )
    pass_mark = NumberField(
        "Pass mark", validators=[Optional()], bounds=exam_attempts.ATTEMPT_SCORE
    )
    ceus_required = NumberField(
        "CEUs per cycle", validators=[Optional()], bounds=credential_settings.CEUS_REQUIRED
    )
    cycle_years = WholeNumberField(
        "Cycle length (years)", validators=[Optional()], bounds=credential_settings.CYCLE_YEARS
    )
    has_apprentice = BooleanField("Has an apprentice designation (e.g. CPC-A)")
    active = BooleanField("Offered (shown when recording attempts)")


class AttemptForm(FlaskForm):
    credential_id = SelectField("Credential", coerce=db_id, validate_choice=False)
    exam_date = PlainDateField("Exam date", validators=[Optional()])
    exam_version = StringField("Exam version", validators=[Length(max=40)])
    score = StringField(
        "Score (if reported)",
        validators=[
            NumberText(
                exam_attempts.ATTEMPT_SCORE, not_a_number=exam_attempts.ATTEMPT_SCORE_NUMBER
            ),
            Length(max=10),
        ],
    )
    result = SelectField("Result", validate_choice=False)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.result.choices = [("", "Choose…"), ("passed", "Passed"), ("failed", "Failed")]


class StepForm(FlaskForm):
    kind = SelectField("Kind", validate_choice=False)
    title = StringField("Step", validators=[Length(max=120)])
    required = BooleanField("Required for readiness (tasks)", default=True)

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self.kind.choices = [
            ("task", "Task (done on a date)"),
            ("practice_exam", "Practice exam (score)"),
            ("mock_exam", "Timed mock exam (score; counts toward readiness)"),
        ]


class RuleForm(FlaskForm):
    mock_count = WholeNumberField(
        "Last mock exams that must pass", validators=[Optional()], bounds=milestones.MOCK_COUNT
    )
    mock_threshold = NumberField(
        "Threshold (%)", validators=[Optional()], bounds=milestones.MOCK_THRESHOLD
    )


class StepResultForm(FlaskForm):
    completed_on = PlainDateField("Date", validators=[Optional()])
    score = StringField("Score (%)", validators=[Length(max=10)])


class AwardForm(FlaskForm):
    credential_id = SelectField("Credential", coerce=db_id, validate_choice=False)
    awarded_on = PlainDateField("Awarded on", validators=[Optional()])
    member_id = StringField("Member id", validators=[Length(max=40)])
    apprentice = BooleanField("Apprentice designation (e.g. CPC-A)")


class RemoveApprenticeForm(FlaskForm):
    removed_on = PlainDateField("Apprentice designation removed on", validators=[Optional()])


class CeuForm(FlaskForm):
    earned_on = PlainDateField("Date", validators=[Optional()])
    hours = NumberField("CEUs", validators=[Optional()], bounds=awards.CEU_HOURS)
    provider = StringField("Provider", validators=[Length(max=160)])
    category = StringField("Category", validators=[Length(max=80)])
