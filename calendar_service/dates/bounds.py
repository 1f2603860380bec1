"""The dates the service answers for, and how a person writes one.

Dates given on the command line (``--from``, ``--today``) and in queries
(``from=``) lie from 1 January 1900 to 31 December 2200, and so does every
period asked for (``--days``, ``days=``, ``weeks=``, a month or a year): the
feeds' windows and the lunar calendar stay far from the ends of Python's
dates (years 1 and 9999), where arithmetic overflows. A date is written
YYYY-MM-DD and a count in ASCII digits: ``date.fromisoformat`` also reads
20240101 and 2024-W10-1, and ``int`` reads full-width digits, signs, spaces
and underscores, none of which a person means as these.
"""

from __future__ import annotations

import datetime as dt
import re

FIRST_DAY = dt.date(1900, 1, 1)
LAST_DAY = dt.date(2200, 12, 31)

_ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_COUNT = re.compile(r"[0-9]{1,9}")


def parse_date(text: str) -> dt.date | None:
    """The real date written ``YYYY-MM-DD``, or None."""
    found = _ISO_DATE.fullmatch(text)
    if found is None:
        return None
    try:
        return dt.date(*(int(part) for part in found.groups()))
    except ValueError:
        return None


def parse_count(text: str) -> int | None:
    """The whole number written in ASCII digits (at most nine), or None."""
    return int(text) if _COUNT.fullmatch(text) else None


def covered(day: dt.date) -> bool:
    return FIRST_DAY <= day <= LAST_DAY
