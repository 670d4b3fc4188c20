"""The domain error every service raises (with every problem listed), and the sign-in
throttle's refusal. The error pages are in :mod:`school.web.errors`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping


class DomainError(Exception):
    """A request that breaks a rule. ``problems`` maps a field name ("" for the whole form)
    to every message about it, so a form can show all of them at once, beside their fields."""

    def __init__(self, problems: Mapping[str, Iterable[str]] | str) -> None:
        if isinstance(problems, str):
            problems = {"": [problems]}
        self.problems: dict[str, list[str]] = {k: list(v) for k, v in problems.items() if v}
        super().__init__("; ".join(m for msgs in self.problems.values() for m in msgs))

    @classmethod
    def collect(cls) -> ProblemList:
        return ProblemList()


class ProblemList:
    """Gather problems while validating, then ``raise_if_any()``."""

    def __init__(self) -> None:
        self.problems: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.problems.setdefault(field, []).append(message)

    def text(self, field: str, value: str, *, most: int, missing: str | None = None) -> str:
        """``value`` without surrounding blanks; a problem when it is longer than ``most``
        characters, or blank where ``missing`` says what to enter."""
        value = value.strip()
        if not value and missing:
            self.add(field, missing)
        elif len(value) > most:
            self.add(field, f"Use at most {most:,} characters.")
        return value

    def past_date(
        self, field: str, value: dt.date | None, today: dt.date, *, missing: str, future: str
    ) -> None:
        """A date that must be given and must not come after ``today``."""
        if value is None:
            self.add(field, missing)
        elif value > today:
            self.add(field, future)

    def raise_if_any(self) -> None:
        if self.problems:
            raise DomainError(self.problems)


class TooManyAttempts(Exception):
    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(f"retry after {retry_after}s")
