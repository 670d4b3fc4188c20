"""Form fields for numbers and versions, read with the rule of school.numbers: a value
that is not a number, or not one its field allows, is refused beside the field with the
domain's message, and never reaches arithmetic or the database."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from wtforms import DecimalField, HiddenField, IntegerField, StringField
from wtforms.validators import StopValidation

from school.numbers import NUMBER, WHOLE_NUMBER, NumberRange, read_decimal
from school.web.inputs import db_id


class _Bounded:
    """The domain's ``bounds`` and "not a number" message of a number field."""

    not_a_number_default = NUMBER

    def __init__(
        self,
        label: str | None = None,
        validators: Any = None,
        *,
        bounds: NumberRange,
        not_a_number: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(label, validators, **kwargs)  # type: ignore[call-arg]
        self.bounds = bounds
        self.not_a_number = not_a_number or self.not_a_number_default


class NumberField(_Bounded, DecimalField):
    """A decimal typed in a form and read with its domain's ``bounds``: a value that is not a
    number, or not one the field allows, is refused beside the field with the bounds'
    message. Shows 10 rather than 10.00, and what was typed when the form is sent back."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:  # not sent at all: the default (or the object's value) stays
            return
        self.data = None
        if str(valuelist[0]).strip():
            self.data = self.bounds.read(str(valuelist[0]), not_a_number=self.not_a_number)

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        if isinstance(self.data, Decimal):
            return f"{self.data.normalize():f}"
        return ""


class WholeNumberField(_Bounded, IntegerField):
    """A whole number typed in a form and read with its domain's ``bounds`` (see
    :class:`NumberField`); it becomes an ``int`` only once it is known to be in range."""

    not_a_number_default = WHOLE_NUMBER

    def process_formdata(self, valuelist: list[Any]) -> None:
        if not valuelist:  # not sent at all: the default (or the object's value) stays
            return
        self.data = None
        if not str(valuelist[0]).strip():
            return
        text = str(valuelist[0])
        value = read_decimal(text)
        if value is None:
            raise ValueError(self.not_a_number)
        if "e" in text.lower() or not self.bounds.low <= value <= self.bounds.high:
            raise ValueError(self.bounds.message)
        if value != value.to_integral_value():
            raise ValueError(self.not_a_number)
        problem = self.bounds.problem(int(value))
        if problem:
            raise ValueError(problem)
        self.data = int(value)

    def _value(self) -> str:
        if self.raw_data:
            return str(self.raw_data[0])
        return "" if self.data is None else str(self.data)


class NumberText:
    """A validator for a text field whose service reads the number itself (hours of a log,
    a score): the field refuses what its service would, with the same message, even when the
    form stops before the service runs."""

    def __init__(self, bounds: NumberRange, *, not_a_number: str = NUMBER) -> None:
        self.bounds = bounds
        self.not_a_number = not_a_number

    def __call__(self, form: Any, field: StringField) -> None:
        text = field.data or ""
        if text.strip():
            try:
                self.bounds.read(text, not_a_number=self.not_a_number)
            except ValueError as exc:
                raise StopValidation(str(exc)) from None  # its message alone, no length rule


class VersionField(HiddenField):
    """The version of a record a page was read at, sent back with a change. Anything that is
    not a version a row can have (blank, words, a 20-digit number), or none sent at all,
    reads as None, which the services refuse as out of date instead of reaching the
    database."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = None
        if valuelist:
            try:
                self.data = db_id(str(valuelist[0]).strip())
            except ValueError:
                self.data = None

    def _value(self) -> str:
        return "" if self.data is None else str(self.data)
