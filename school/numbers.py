"""Numbers a person types, read by one rule in every form and service.

A typed number is read as a decimal (never NaN or Infinity) and compared with the range its
field allows before anything else is done with it, so that ``1e309``, ``1e30`` or a 29-digit
value gets the field's message ("Enter hours between 0.25 and 24.") and never reaches
arithmetic (Decimal's ``%`` raises on it) or the database (whose columns would refuse it).

A range belongs to its domain: a service defines it, with the sentence that says what to
enter, and checks it; the form's field (school.web.fields) checks the same range as the value is
read, so the message shows beside the field even when the form stops before the service runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

NUMBER = "Enter a number, e.g. 7.5."
WHOLE_NUMBER = "Enter a whole number, e.g. 720."
PLACES = {0: "Enter a whole number.", 1: "Use at most 1 decimal."}


# What a person types: ASCII digits with an optional sign and decimal point, and an exponent
# (which the ranges then refuse with their message). Python's Decimal() would also take
# "1_000", full-width or Arabic-Indic digits, NaN and Infinity.
TYPED_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?", re.ASCII)


def read_decimal(text: str) -> Decimal | None:
    """The finite decimal in ``text`` (spaces around it ignored), or None when it is not one
    (words, NaN, Infinity, digits of other scripts, underscores). Its size is not checked
    here: compare it with a range first. Minus zero reads as zero."""
    text = text.strip()
    if not TYPED_NUMBER.fullmatch(text):
        return None
    try:
        value = Decimal(text)
    except (InvalidOperation, ValueError):
        return None
    return value.copy_abs() if value.is_zero() else value


@dataclass(frozen=True)
class NumberRange:
    """The numbers a field allows: ``low`` to ``high`` (inclusive, or above ``low`` with
    ``above_low``), at most ``places`` decimals, and, with ``step``, only multiples of it
    counted from ``low`` (quarter hours). ``message`` says what to enter; it is the answer
    to any number outside the range."""

    low: Decimal
    high: Decimal
    message: str
    places: int = 2
    step: Decimal | None = None
    step_message: str = ""
    places_message: str = ""
    above_low: bool = False  # ``low`` itself is not allowed ("more than 0")

    def problem(self, value: Decimal | int) -> str | None:
        """What is wrong with ``value``, or None when the field allows it. The range is
        checked first, by comparison only: a huge value costs nothing."""
        if not self.low <= value <= self.high or (self.above_low and value == self.low):
            return self.message
        if isinstance(value, Decimal) and value != value.quantize(self._unit):
            return self.places_message or PLACES.get(
                self.places, f"Use at most {self.places} decimals."
            )
        if self.step is not None and (value - self.low) % self.step:
            return self.step_message or self.message
        return None

    @property
    def _unit(self) -> Decimal:
        return Decimal(1).scaleb(-self.places)

    def read(self, text: str, *, not_a_number: str = NUMBER) -> Decimal:
        """The number typed in ``text``; ValueError with the message to show when it is not
        a number (``not_a_number``) or not one this field allows. A number written with an
        exponent (``1e30``) is not one a person types for these fields: the range's message
        answers it, whatever its value."""
        value = read_decimal(text)
        if value is None:
            raise ValueError(not_a_number)
        problem = self.message if "e" in text.lower() else self.problem(value)
        if problem:
            raise ValueError(problem)
        if value.as_tuple().exponent < -self.places:  # type: ignore[operator]
            return value.quantize(self._unit)  # 7.500 is 7.50: no needless digits stored
        return value


def whole(low: int, high: int, message: str) -> NumberRange:
    """A range of whole numbers."""
    return NumberRange(Decimal(low), Decimal(high), message, places=0)
