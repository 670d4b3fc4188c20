"""The admin forms' one way to save: check the form and the service's rules, every problem at
once, then write through the commit path."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask_wtf import FlaskForm

from school.errors import ProblemList
from school.web.commit import Saved, save
from school.web.forms import validate_all

D = TypeVar("D")
T = TypeVar("T")


def save_form(
    form: FlaskForm,
    data_of: Callable[[], D],
    check: Callable[[D], ProblemList],
    write: Callable[[D], T],
    *,
    done: str | None = None,
) -> Saved[T] | None:
    """Validate ``form`` and ``check`` what it holds (``data_of()``); when nothing is wrong,
    ``write`` it and commit (``done`` is flashed). None when the form was refused (its
    problems are on it); otherwise the save's outcome (a lost race is on the form too)."""
    if not validate_all(form, lambda: check(data_of())):
        return None
    return save(lambda: write(data_of()), form=form, done=done)
