"""The planning list's pages: the ``page`` parameter, which rows a page shows
and the page numbers its navigation offers."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from ..i18n import N_
from .params import BadParameter

# Rows a page shows: a meeting's screenful. The real registry's busiest
# 12 weeks have ~20 anniversaries, so its default view stays one page; a
# 10k-entry registry's 12 weeks (~1 000 rows) take about 20.
PAGE_SIZE = 50
ALL = "all"  # every row on one page: what the Print link opens
NEIGHBOURS = 2  # page numbers offered on each side of the current one

Row = TypeVar("Row")


@dataclass(frozen=True)
class Page:
    """Page ``number`` (1-based) of ``count``, over ``total`` rows; ``number``
    is 0 when every row is shown at once."""

    number: int
    count: int
    total: int
    size: int = PAGE_SIZE

    @property
    def whole(self) -> bool:
        """Every row is on this page."""
        return self.number == 0 or self.count == 1

    @property
    def first(self) -> int:
        """The 1-based position of the page's first row (0 when there is none)."""
        if self.total == 0:
            return 0
        return 1 if self.number == 0 else (self.number - 1) * self.size + 1

    @property
    def last(self) -> int:
        return self.total if self.number == 0 else min(self.number * self.size, self.total)

    def rows(self, rows: Sequence[Row]) -> Sequence[Row]:
        return rows if self.number == 0 else rows[self.first - 1 : self.last]

    @property
    def previous(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def next(self) -> int | None:
        return self.number + 1 if 0 < self.number < self.count else None

    def numbers(self) -> list[int | None]:
        """The page numbers to offer: the first, the last and the current one's
        neighbours, None where numbers are left out (written as an ellipsis)."""
        shown = {1, self.count, *range(self.number - NEIGHBOURS, self.number + NEIGHBOURS + 1)}
        numbers: list[int | None] = []
        for number in sorted(n for n in shown if 1 <= n <= self.count):
            if numbers and number - (numbers[-1] or 0) == 2:
                numbers.append(number - 1)  # one left-out number: written rather than "…"
            elif numbers and number - (numbers[-1] or 0) > 2:
                numbers.append(None)
            numbers.append(number)
        return numbers


def asked_page(args: Mapping[str, str], lang: str) -> int:
    """The ``page`` parameter: 1 when absent, 0 for ``all``; a 400 for anything
    but a positive whole number in ASCII digits (a number past the last page is
    clamped by ``page``, so that an old link still shows the end of the list)."""
    value = args.get("page")
    if value in (None, ""):
        return 1
    if value == ALL:
        return 0
    if not re.fullmatch(r"[0-9]{1,30}", value) or int(value) == 0:
        raise BadParameter(
            "page", N_("'{value}' is not a page number (1, 2, 3 … or all)"), lang, value=value[:40]
        )
    return int(value)


def page(total: int, asked: int, size: int = PAGE_SIZE) -> Page:
    count = max(1, -(-total // size))
    return Page(0 if asked == 0 else min(asked, count), count, total, size)
