"""Program and course forms (shape only; the services hold the rules)."""

from __future__ import annotations

from decimal import Decimal

from flask_wtf import FlaskForm
from wtforms import DecimalField, IntegerField, StringField
from wtforms.validators import InputRequired, Length

NUMBER = "Enter a number."


class ProgramForm(FlaskForm):
    code = StringField("Code", validators=[InputRequired("Enter a code."), Length(max=20)])
    name = StringField("Name", validators=[InputRequired("Enter a name."), Length(max=160)])
    target_credential = StringField(
        "Target credential", validators=[InputRequired("Enter a credential."), Length(max=20)]
    )
    clock_hours = IntegerField("Clock hours", validators=[InputRequired(NUMBER)])
    externship_hours = IntegerField(
        "Required externship hours", default=0, validators=[InputRequired(NUMBER)]
    )
    daily_hour_cap = DecimalField(
        "Most externship hours in one day",
        default=Decimal("10"),
        places=2,
        validators=[InputRequired(NUMBER)],
    )
    pass_mark = DecimalField(
        "Course pass mark (%)", default=Decimal("70"), places=2, validators=[InputRequired(NUMBER)]
    )
    scale_a = DecimalField(
        "A from (%)", default=Decimal("90"), places=2, validators=[InputRequired(NUMBER)]
    )
    scale_b = DecimalField(
        "B from (%)", default=Decimal("80"), places=2, validators=[InputRequired(NUMBER)]
    )
    scale_c = DecimalField(
        "C from (%)", default=Decimal("70"), places=2, validators=[InputRequired(NUMBER)]
    )
    scale_d = DecimalField(
        "D from (%)", default=Decimal("60"), places=2, validators=[InputRequired(NUMBER)]
    )


class CourseForm(FlaskForm):
    code = StringField("Code", validators=[InputRequired("Enter a code."), Length(max=20)])
    title = StringField("Title", validators=[InputRequired("Enter a title."), Length(max=160)])
    credit_hours = DecimalField("Credit hours", places=1, validators=[InputRequired(NUMBER)])
    clock_hours = IntegerField("Clock hours", validators=[InputRequired(NUMBER)])
