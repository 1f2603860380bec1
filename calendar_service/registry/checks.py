"""Whole-registry checks on top of the schema: quotes that really are in the
documents, dates the sources disagree on, declared counts and their coverage,
dates still to verify, and public sources that are only a site's home page.
``check`` reads the registry and the files it includes and never raises for
bad data: it reports."""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from ..errors import Location, Problem, RegistryError, problem
from ..i18n import N_, Msg
from ..model import CATEGORY_NAMES, DeclaredCount, Event, Precision, Registry, Resolution, SolarDate
from . import yamlfile
from .composer import collector_paused
from .includes import load_files
from .schema import parse_files

# A guidance document's text: the real ones are under 100 kB, the 100k-entry
# benchmark's synthetic one is 8 MB.
MAX_DOCUMENT_BYTES = 16 * 2**20
_QUOTE_KEY = 24  # characters of a quote's start looked up at each word of a document

_QUOTED_DATE = re.compile(r"\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
_TO_VERIFY = {
    Precision.MONTH: N_("date to verify: known only to the month ({date})"),
    Precision.YEAR: N_("date to verify: known only to the year ({date})"),
}


@dataclass(frozen=True)
class Conflict:
    event_id: str
    location: Location | None
    dates: dict[str, str]  # source (document number or title) -> ISO date it states
    resolution: Resolution | None

    @property
    def resolved(self) -> bool:
        return self.resolution is not None

    @property
    def chosen(self) -> str | None:
        return self.resolution.date.iso() if self.resolution else None


@dataclass(frozen=True)
class Coverage:
    id: str
    document: str
    year: int
    category: str
    expected: int
    found: int
    event_ids: tuple[str, ...]


@dataclass
class Report:
    path: str
    registry: Registry | None = None
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    coverage: list[Coverage] = field(default_factory=list)
    to_verify: list[Event] = field(default_factory=list)
    # The files read or sought and the folders globbed: their stamp says when to check again.
    watched: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def normalise(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def _check_documents(registry: Registry, base: Path, report: Report) -> dict[str, str]:
    texts = {}
    for document in registry.documents.values():
        path = document.path(base)
        try:
            data, refusal = yamlfile.read_limited(path, MAX_DOCUMENT_BYTES)
            if data is not None:
                texts[document.id] = normalise(data.decode("utf-8"))
                continue
        except (OSError, UnicodeDecodeError):
            refusal = None
        reason, params = N_("source file '{file}' cannot be read"), {}
        if refusal == yamlfile.NOT_REGULAR:
            reason = N_("source file '{file}' is not a regular file")
        elif refusal == yamlfile.TOO_LARGE:
            reason = N_("source file '{file}' is larger than {limit} MB")
            params = {"limit": MAX_DOCUMENT_BYTES // 2**20}
        report.errors.append(
            problem(
                document.location, reason, entry_id=document.id, field="file", file=document.file, **params
            )
        )
    return texts


def _quotes_found(text: str, quotes: set[str]) -> set[str]:
    """The quotes (normalised) that are in ``text`` (normalised), found in one
    pass instead of one search of the whole text per quote: every word start
    of the text is looked up by its first characters among the quotes'. A
    quote not found that way (short, or starting inside a word) is searched
    for as before, so the answer is exactly ``quote in text`` for each."""
    by_start: dict[str, list[str]] = {}
    for quote in quotes:
        if len(quote) >= _QUOTE_KEY:
            by_start.setdefault(quote[:_QUOTE_KEY], []).append(quote)
    found: set[str] = set()
    if by_start:
        position = 0
        for word in text.split(" "):
            candidates = by_start.get(text[position : position + _QUOTE_KEY])
            if candidates:
                found.update(quote for quote in candidates if text.startswith(quote, position))
            position += len(word) + 1
    return found | {quote for quote in quotes - found if quote in text}


def _missing_quotes(registry: Registry, texts: dict[str, str]) -> set[tuple[str, str]]:
    """(document id, quote as written) of every quote whose words are not in its document's text."""
    quotes: dict[str, dict[str, set[str]]] = {document: {} for document in texts}  # normalised -> as written
    cited = [(c.document, c.quote) for c in registry.declared_counts]
    cited += [(c.document, c.quote or "") for e in registry.events for c in e.sources if c.document]
    for document, quote in cited:
        if document in quotes:
            quotes[document].setdefault(normalise(quote), set()).add(quote)
    missing: set[tuple[str, str]] = set()
    for document, wanted in quotes.items():
        found = _quotes_found(texts[document], set(wanted))
        for normal, written in wanted.items():
            if normal not in found:
                missing.update((document, quote) for quote in written)
    return missing


def _check_quote(missing: set, document: str, quote: str, where, entry: str, report: Report) -> None:
    if (document, quote) in missing:
        report.errors.append(
            problem(
                where,
                N_("the quoted words are not in document '{document}'"),
                entry_id=entry,
                field="sources.quote",
                document=document,
            )
        )


def _stated_dates(event: Event, registry: Registry) -> dict[str, SolarDate]:
    """Dates each source gives for the event's origin, where it gives one: its
    ``states:``, or, for a guidance document, a date of the origin's year in
    the words quoted. Words quoted from a public source are not read for dates
    (an article names the decisions of the same year beside the day itself):
    such a source gives another date through ``states:``."""
    origin = event.origin
    stated = {}
    for citation in event.sources:
        name = (
            registry.documents[citation.document].number or citation.document
            if citation.document
            else citation.title or citation.url
        )
        if citation.states is not None:
            stated[name] = citation.states
            continue
        if not citation.document:
            continue
        for d, m, y in _QUOTED_DATE.findall(citation.quote or ""):
            if int(y) == origin.year:
                stated[name] = SolarDate(int(y), int(m), int(d))
    return stated


def _check_conflict(event: Event, registry: Registry, report: Report) -> None:
    if event.is_rule:
        return
    stated = _stated_dates(event, registry)
    disagree = {name: when for name, when in stated.items() if when != event.origin}
    resolution = event.resolution
    if resolution is not None and resolution.date != event.origin:
        report.errors.append(
            problem(
                event.location,
                N_("the resolution chooses {chosen} but the entry's date is {date}"),
                entry_id=event.id,
                field="resolution.date",
                chosen=resolution.date.iso(),
                date=event.origin.iso(),
            )
        )
        return
    if not disagree:
        return
    dates = {name: when.iso() for name, when in stated.items()}
    if resolution is None:
        listing = ", ".join(f"{name}: {when}" for name, when in dates.items())
        report.errors.append(
            problem(
                event.location,
                N_("sources disagree on the date ({dates}); record a resolution with the right date and why"),
                entry_id=event.id,
                field="date",
                dates=listing,
            )
        )
        report.conflicts.append(Conflict(event.id, event.location, dates, None))
    else:
        report.conflicts.append(Conflict(event.id, event.location, dates, resolution))


def _coverage(count: DeclaredCount, registry: Registry, report: Report) -> None:
    found = tuple(
        event.id
        for event in registry.events
        if event.category == count.category
        and event.origin.year is not None
        and event.observed(count.year - event.origin.year)
    )
    report.coverage.append(
        Coverage(count.id, count.document, count.year, count.category, count.count, len(found), found)
    )
    if len(found) != count.count:
        report.warnings.append(
            problem(
                count.location,
                N_(
                    "coverage: {found} of {expected} found ({category}, {year}); the registry does not invent the missing ones"
                ),
                entry_id=count.id,
                found=len(found),
                expected=count.count,
                category=Msg(CATEGORY_NAMES[count.category]),
                year=count.year,
            )
        )


def _check_home_pages(event: Event, report: Report) -> None:
    """A site's home page says nothing about a date: the article that does is the source."""
    for citation in event.sources:
        if citation.url is None:
            continue
        try:
            parts = urlsplit(citation.url)
        except ValueError:  # not a URL at all (e.g. "https://["): the schema reports the field
            continue
        if parts.path in ("", "/") and not parts.query:
            report.warnings.append(
                problem(
                    citation.url_location or citation.location or event.location,
                    N_("'{url}' is a site's home page: cite the article that gives the facts"),
                    entry_id=event.id,
                    field="sources.url",
                    url=citation.url,
                )
            )


def check_registry(registry: Registry, report: Report) -> None:
    texts = _check_documents(registry, Path(registry.path).resolve().parent, report)
    missing = _missing_quotes(registry, texts)
    for count in registry.declared_counts:
        _check_quote(missing, count.document, count.quote, count.location, count.id, report)
    for event in registry.events:
        for citation in event.sources:
            if citation.document:
                _check_quote(missing, citation.document, citation.quote, citation.location, event.id, report)
        _check_conflict(event, registry, report)
        _check_home_pages(event, report)
        if event.precision is not Precision.DAY:
            report.to_verify.append(event)
            message = _TO_VERIFY[event.precision]
            report.warnings.append(
                problem(event.location, message, entry_id=event.id, field="date", date=event.origin.iso())
            )
    for count in registry.declared_counts:
        _coverage(count, registry, report)


def check(path: str | Path, display_path: str | None = None) -> Report:
    """Load and check a registry file and the files it includes; every problem
    found is in the report."""
    shown = display_path or str(path)
    report = Report(shown)
    files = load_files(path, shown)
    report.watched = files.watched
    report.errors.extend(files.problems)
    if not files.files or not files.files[0].root:
        return report
    with collector_paused():  # the registry's objects, as the YAML's, make no cycles
        registry, problems = parse_files(files.files)
        report.errors.extend(problems)
        if registry is not None:
            registry = dataclasses.replace(registry, path=str(path), folders=tuple(files.folders))
            check_registry(registry, report)
            report.registry = registry
    return report


def load_registry(path: str | Path, display_path: str | None = None) -> Registry:
    """The registry, or RegistryError with every problem if it is not valid."""
    report = check(path, display_path)
    if report.errors or report.registry is None:
        raise RegistryError(report.errors)
    return report.registry
