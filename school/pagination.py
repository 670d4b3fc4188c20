"""Pagination and sorting for list pages (two statements: a count and one page of rows)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    page: int
    per_page: int
    total: int
    sort: str
    direction: str

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def first_index(self) -> int:
        return 0 if self.total == 0 else (self.page - 1) * self.per_page + 1

    @property
    def last_index(self) -> int:
        return min(self.total, self.page * self.per_page)


def contains_pattern(text: str) -> str:
    """A LIKE pattern (escape character ``\\``) for lower-cased text containing ``text``:
    the user's own % and _ match themselves."""
    escaped = text.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def parse_page(value: str | None) -> int:
    try:
        return max(1, int(value or 1))
    except ValueError:
        return 1


def paginate(
    session: Session,
    stmt: Select[Any],
    *,
    page: int,
    per_page: int,
    sort: str | None,
    direction: str | None,
    sortable: Mapping[str, Any],
    default_sort: str,
    tiebreak: Any,
    scalars: bool = True,
    total: int | None = None,
) -> Page[Any]:
    """Run ``stmt`` sorted by one whitelisted key (unknown keys fall back to the default) and
    cut to one page. A page past the end shows the last page. ``total``, when the caller
    already knows how many rows ``stmt`` has, saves the count statement."""
    key = sort if sort in sortable else default_sort
    desc = direction == "desc"
    column = sortable[key]
    if total is None:
        total = (
            session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
        )
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, page), pages)
    ordered = stmt.order_by(column.desc() if desc else column.asc(), tiebreak)
    ordered = ordered.limit(per_page).offset((page - 1) * per_page)
    result = session.execute(ordered)
    items = result.scalars().all() if scalars else result.all()
    return Page(items, page, per_page, total, key, "desc" if desc else "asc")
