"""What the intake finds in a document, and what the registry says about it:
small immutable values with no display text of their own."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ..model import LunarRule, Observance, Resolution, SolarDate


class Kind(StrEnum):
    ANNIVERSARY = "anniversary"  # "Kỷ niệm 70 năm Chiến thắng Điện Biên Phủ (7/5/1954 - 7/5/2024)"
    PARTNER = "partner"  # "Vương quốc Thụy Điển (11/1/1969)" in a diplomatic paragraph
    COUNT = "count"  # "Việt Nam sẽ kỷ niệm ngày thiết lập quan hệ ngoại giao với 26 quốc gia"
    DOCUMENT = "document"  # "Kết luận số 57-KL/TW, ngày 15/6/2023 của Bộ Chính trị về …"


@dataclass(frozen=True)
class Item:
    """One anniversary (or declared count) a document names.

    ``quote`` is the document's exact words, whitespace-normalised: it passes
    the registry's quote check. ``n`` is the n-th anniversary; ``n_stated``
    says whether the document writes it ("70 năm") or it follows from the
    document's year. ``year`` is the year of that anniversary (origin + n).
    """

    kind: Kind
    quote: str
    title: str
    origin: SolarDate | LunarRule | None
    n: int | None
    n_stated: bool
    year: int | None
    category: str
    observance: Observance
    position: int
    country: str | None = None
    count: int | None = None
    number: str | None = None  # a cited document's number ("57-KL/TW")

    @property
    def origin_year(self) -> int | None:
        """The origin's year, given or implied ("45 năm" in 2024: 1979)."""
        if self.origin is not None and self.origin.year is not None:
            return self.origin.year
        if self.year is not None and self.n is not None:
            return self.year - self.n
        return None

    @property
    def dated(self) -> bool:
        """The document gives the origin's date (a day, a month or a year)."""
        return self.origin is not None


class Status(StrEnum):
    KNOWN = "known"  # already in the registry
    NEW = "new"
    CONFLICT = "conflict"  # the registry has it with another date


@dataclass(frozen=True)
class Match:
    status: Status
    entry: str | None = None  # registry entry (or declared count) id
    by: str | None = None  # date, title, country, lunar, number, count
    registry_value: str | None = None  # the registry's date (ISO) or count, when they differ
    document_value: str | None = None  # what the document says (or implies) instead
    resolution: Resolution | None = None  # the registry's recorded choice, if any
    cited: bool = False  # the entry already cites this document

    @property
    def resolved(self) -> bool:
        return self.resolution is not None


@dataclass(frozen=True)
class Finding:
    item: Item
    match: Match


@dataclass(frozen=True)
class Extraction:
    """The result of reading one document against the registry."""

    path: str
    document: str | None  # id of the registry document this file is, if it is one
    year: int | None  # the year the document is about
    year_basis: str  # ranges, heading, issued, registry, option or unknown
    findings: tuple[Finding, ...]
    text: str  # the document's text, as the registry would read it from a file
