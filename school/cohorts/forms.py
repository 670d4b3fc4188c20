"""Program and course forms: their shape, and their numbers read with the ranges the services
define (the services hold the rules)."""

from __future__ import annotations

from decimal import Decimal

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    SelectField,
    SelectMultipleField,
    StringField,
)
from wtforms.validators import Email, InputRequired, Length, Optional

from school.cohorts.services import programs as program_rules
from school.numbers import NumberRange
from school.web.fields import NumberField, WholeNumberField
from school.web.inputs import db_id

NUMBER = "Enter a number."


def _number_field(label: str, default: Decimal, bounds: NumberRange) -> NumberField:
    """A required decimal field read with ``bounds`` (the range the services check)."""
    return NumberField(label, default=default, validators=[InputRequired(NUMBER)], bounds=bounds)


class ProgramForm(FlaskForm):
    code = StringField("Code", validators=[InputRequired("Enter a code."), Length(max=20)])
    name = StringField("Name", validators=[InputRequired("Enter a name."), Length(max=160)])
    target_credential = StringField(
        "Target credential", validators=[InputRequired("Enter a credential."), Length(max=20)]
    )
    clock_hours = WholeNumberField(
        "Clock hours", validators=[InputRequired(NUMBER)], bounds=program_rules.CLOCK_HOURS
    )
    externship_hours = WholeNumberField(
        "Required externship hours",
        default=0,
        validators=[InputRequired(NUMBER)],
        bounds=program_rules.EXTERNSHIP_HOURS,
    )
    daily_hour_cap = _number_field(
        "Most externship hours in one day", Decimal("10"), program_rules.DAILY_HOUR_CAP
    )
    pass_mark = _number_field("Course pass mark (%)", Decimal("70"), program_rules.PASS_MARK)
    scale_a = _number_field("A from (%)", Decimal("90"), program_rules.SCALE_FROM)
    scale_b = _number_field("B from (%)", Decimal("80"), program_rules.SCALE_FROM)
    scale_c = _number_field("C from (%)", Decimal("70"), program_rules.SCALE_FROM)
    scale_d = _number_field("D from (%)", Decimal("60"), program_rules.SCALE_FROM)


class CourseForm(FlaskForm):
    code = StringField("Code", validators=[InputRequired("Enter a code."), Length(max=20)])
    title = StringField("Title", validators=[InputRequired("Enter a title."), Length(max=160)])
    credit_hours = NumberField(
        "Credit hours", validators=[InputRequired(NUMBER)], bounds=program_rules.CREDIT_HOURS
    )
    clock_hours = WholeNumberField(
        "Clock hours", validators=[InputRequired(NUMBER)], bounds=program_rules.COURSE_CLOCK_HOURS
    )


class PlainDateField(DateField):
    def process_formdata(self, valuelist: list[str]) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("Enter a date like 2026-09-14.") from None


class CohortForm(FlaskForm):
    code = StringField("Code", validators=[InputRequired("Enter a code."), Length(max=30)])
    program_id = SelectField("Program", coerce=db_id, validate_choice=False)
    start_date = PlainDateField("First day of class", validators=[Optional()])
    end_date = PlainDateField("Last day", validators=[Optional()])
    instructor_ids = SelectMultipleField(
        "Instructors", coerce=db_id, validate_choice=False, default=[]
    )


class EnrollForm(FlaskForm):
    name = StringField("Student's full name", validators=[Length(max=120)])
    email = StringField(
        "Email",
        validators=[
            InputRequired("Enter the student's email."),
            Email(
                "Enter a valid email address, like name@example.com.", check_deliverability=False
            ),
            Length(max=254),
        ],
    )
    start_date = PlainDateField("First day", validators=[Optional()])
    student_number = StringField("Student number", validators=[Length(max=20)])


class StatusChangeForm(FlaskForm):
    to_status = SelectField("New status", validate_choice=False)
    effective_date = PlainDateField("Takes effect on", validators=[Optional()])
    last_attendance_date = PlainDateField("Last day attended", validators=[Optional()])
    reason = StringField("Reason", validators=[Length(max=500)])


class ReentryForm(FlaskForm):
    cohort_id = SelectField("Returns to cohort", coerce=db_id, validate_choice=False)
    start_date = PlainDateField("First day back", validators=[Optional()])


class RosterImportForm(FlaskForm):
    file = FileField("Roster file (CSV)", validators=[FileRequired("Choose a CSV file.")])
    invite = BooleanField("Email each new student an invitation to choose a password")
