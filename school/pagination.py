"""Pagination and sorting for list pages (two statements: a count and one page of rows)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
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

    def with_items(self, items: Sequence[Any]) -> Page[Any]:
        """The same page holding other rows (the page's records turned into display rows)."""
        return replace(self, items=items)


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


@dataclass(frozen=True)
class Listing:
    """What a list page asks for: which page, how many rows on it, sorted by which key and
    which way (``None``: the list's defaults)."""

    page: int = 1
    per_page: int = 50
    sort: str | None = None
    direction: str | None = None

    @classmethod
    def from_args(cls, args: Mapping[str, str], per_page: int) -> Listing:
        """From a request's query string (``page``, ``sort``, ``dir``): never an error."""
        return cls(parse_page(args.get("page")), per_page, args.get("sort"), args.get("dir"))


@dataclass(frozen=True)
class Sorts:
    """The keys a list may be sorted by (a whitelist of columns: an unknown key falls back to
    the default), its default key and direction, and the tiebreak that makes the order total
    (so that a row never shows on two pages)."""

    columns: Mapping[str, Any]
    default: str
    tiebreak: Any
    direction: str = "asc"

    def with_columns(self, extra: Mapping[str, Any]) -> Sorts:
        return Sorts({**self.columns, **extra}, self.default, self.tiebreak, self.direction)


def paginate(
    session: Session,
    stmt: Select[Any],
    listing: Listing,
    sorts: Sorts,
    *,
    scalars: bool = True,
    total: int | None = None,
) -> Page[Any]:
    """Run ``stmt`` sorted as ``listing`` asks within ``sorts`` and cut to one page. A page
    past the end shows the last page. ``total``, when the caller already knows how many rows
    ``stmt`` has, saves the count statement."""
    key = listing.sort if listing.sort in sorts.columns else sorts.default
    desc = (listing.direction or sorts.direction) == "desc"
    column = sorts.columns[key]
    per_page = listing.per_page
    if total is None:
        total = (
            session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
        )
    pages = max(1, math.ceil(total / per_page))
    page = min(max(1, listing.page), pages)
    ordered = stmt.order_by(column.desc() if desc else column.asc(), sorts.tiebreak)
    ordered = ordered.limit(per_page).offset((page - 1) * per_page)
    result = session.execute(ordered)
    items = result.scalars().all() if scalars else result.all()
    return Page(items, page, per_page, total, key, "desc" if desc else "asc")
