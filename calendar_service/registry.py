"""Read ``data/events.yaml`` into domain objects, with a problem for every
field that cannot be used (schema, real dates, ids, categories, countries)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

from babel import Locale

from .errors import Location, Problem, problem
from .i18n import N_, Msg
from .model import (
    CATEGORIES,
    Citation,
    DeclaredCount,
    Document,
    Event,
    LunarRule,
    Observance,
    Registry,
    Resolution,
    SolarDate,
)
from .yamlfile import YamlList, YamlMap

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # line breaks, tabs and other control characters
DATE_PATTERN = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
# ISO 3166-1 alpha-2 codes as CLDR (through Babel) knows them.
COUNTRIES = frozenset(code for code in Locale("en").territories if re.fullmatch(r"[A-Z]{2}", code))

_TOP_FIELDS = {"version", "documents", "declared_counts", "events"}
_DOCUMENT_FIELDS = {"id", "number", "issuer", "title", "file", "date", "date_note"}
_COUNT_FIELDS = {"id", "document", "quote", "year", "category", "count", "note"}
_EVENT_FIELDS = {
    "id",
    "title",
    "date",
    "lunar",
    "category",
    "observance",
    "country",
    "partnership",
    "sources",
    "resolution",
    "note",
}
_SOURCE_FIELDS = {"document", "quote", "url", "title", "states"}


class _Reader:
    """Collects problems while reading one file."""

    def __init__(self, path: str):
        self.path = path
        self.problems: list[Problem] = []

    def add(self, where: Location, message: str, *, entry=None, field=None, **params) -> None:
        self.problems.append(problem(where, message, entry_id=entry, field=field, **params))

    def mapping(self, value, where: Location, *, entry=None, field=None) -> YamlMap | None:
        if isinstance(value, YamlMap):
            return value
        self.add(where, N_("expected a mapping of fields"), entry=entry, field=field)
        return None

    def unknown_fields(self, data: YamlMap, allowed: set[str], *, entry=None, prefix="") -> None:
        for key in data:
            if key not in allowed:
                self.add(
                    data.key_locations[key],
                    N_("unknown field (allowed: {allowed})"),
                    entry=entry,
                    field=prefix + key,
                    allowed=", ".join(sorted(allowed)),
                )

    def text(self, data: YamlMap, key: str, *, entry=None, required=True, prefix="") -> str | None:
        value = data.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                where = data.where(key) if key in data else data.location
                self.add(where, N_("missing: this field is required"), entry=entry, field=prefix + key)
            return None
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            self.add(data.where(key), N_("expected text"), entry=entry, field=prefix + key)
            return None
        text = str(value).strip()
        if prefix != "note." and CONTROL.search(text):
            self.add(
                data.where(key),
                N_("must be one line of text, without line breaks or control characters"),
                entry=entry,
                field=prefix + key,
            )
            return None
        return text

    def integer(self, data: YamlMap, key: str, *, entry=None, low=None, high=None, prefix="") -> int | None:
        value = data.get(key)
        where = data.where(key) if key in data else data.location
        if not isinstance(value, int) or isinstance(value, bool):
            self.add(where, N_("expected a whole number"), entry=entry, field=prefix + key)
            return None
        if (low is not None and value < low) or (high is not None and value > high):
            self.add(
                where,
                N_("{value} is out of range ({low}–{high})"),
                entry=entry,
                field=prefix + key,
                value=value,
                low=low,
                high=high,
            )
            return None
        return value

    def solar_date(self, data: YamlMap, key: str, *, entry=None, prefix="") -> SolarDate | None:
        value = data.get(key)
        where = data.where(key)
        raw = str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
        match = DATE_PATTERN.match(raw)
        if not match:
            self.add(
                where,
                N_("'{value}' is not a date: write YYYY-MM-DD, YYYY-MM or YYYY"),
                entry=entry,
                field=prefix + key,
                value=value,
            )
            return None
        year, month, day = (int(part) if part else None for part in match.groups())
        try:
            dt.date(year, month or 1, day or 1)
        except ValueError:
            self.add(
                where, N_("{value} is not a real calendar date"), entry=entry, field=prefix + key, value=raw
            )
            return None
        return SolarDate(year, month, day)

    def bilingual(
        self, data: YamlMap, key: str, *, entry=None, required=True, prefix=""
    ) -> tuple[str | None, str | None]:
        """A text given in both languages: ``{vi: …, en: …}``."""
        name = prefix + key
        if key not in data and not required:
            return None, None
        value = self.mapping(data.get(key), data.where(key), entry=entry, field=name)
        if value is None:
            return None, None
        self.unknown_fields(value, {"vi", "en"}, entry=entry, prefix=name + ".")
        return (
            self.text(value, "vi", entry=entry, prefix=name + "."),
            self.text(value, "en", entry=entry, prefix=name + "."),
        )

    def items(self, data: YamlMap, key: str, *, entry=None, required=True) -> list[tuple[object, Location]]:
        value = data.get(key)
        if value is None and not required:
            return []
        if not isinstance(value, YamlList) or (required and not value):
            self.add(
                data.where(key) if key in data else data.location,
                N_("expected a non-empty list"),
                entry=entry,
                field=key,
            )
            return []
        return list(zip(value, value.item_locations, strict=True))


def _unique(
    reader: _Reader, seen: dict[str, Location], ident: str | None, where: Location, kind: str
) -> None:
    if ident is None:
        return
    if not ID_PATTERN.match(ident):
        reader.add(
            where, N_("id '{id}' must use lower-case letters, digits and hyphens"), field="id", id=ident
        )
    elif ident in seen:
        reader.add(
            where,
            N_("duplicate {kind} id '{id}' (first used on line {line})"),
            field="id",
            kind=kind,
            id=ident,
            line=seen[ident].line,
        )
    else:
        seen[ident] = where


def _document(reader: _Reader, data: YamlMap) -> Document | None:
    reader.unknown_fields(data, _DOCUMENT_FIELDS)
    ident = reader.text(data, "id")
    values = {key: reader.text(data, key, entry=ident) for key in ("issuer", "title", "file")}
    number = reader.text(data, "number", entry=ident, required=False)
    note = reader.text(data, "date_note", entry=ident, required=False)
    issued = None
    if data.get("date") is not None:
        found = reader.solar_date(data, "date", entry=ident)
        issued = found.as_date() if found else None
    elif note is None:
        reader.add(
            data.location,
            N_("give the date, or a date_note saying why it is unknown"),
            entry=ident,
            field="date",
        )
    if ident is None or None in values.values():
        return None
    return Document(
        ident, number, values["issuer"], values["title"], values["file"], issued, note, data.location
    )


def _citation(reader: _Reader, data: YamlMap, entry: str | None, documents: dict) -> Citation | None:
    reader.unknown_fields(data, _SOURCE_FIELDS, entry=entry, prefix="sources.")
    document = reader.text(data, "document", entry=entry, required=False, prefix="sources.")
    url = reader.text(data, "url", entry=entry, required=False, prefix="sources.")
    quote = reader.text(data, "quote", entry=entry, required=document is not None, prefix="sources.")
    title = reader.text(data, "title", entry=entry, required=url is not None, prefix="sources.")
    states = reader.solar_date(data, "states", entry=entry, prefix="sources.") if "states" in data else None
    if document is None and url is None:
        reader.add(data.location, N_("a source needs a document id or a url"), entry=entry, field="sources")
        return None
    if (document is not None and quote is None) or (url is not None and title is None):
        return None  # the missing field is already reported
    if document is not None and document not in documents:
        reader.add(
            data.where("document"),
            N_("unknown source document '{document}' (known: {known})"),
            entry=entry,
            field="sources.document",
            document=document,
            known=", ".join(documents),
        )
        return None
    if url is not None and not re.match(r"^https?://\S+$", url):
        reader.add(
            data.where("url"),
            N_("'{url}' is not an http(s) address"),
            entry=entry,
            field="sources.url",
            url=url,
        )
        return None
    return Citation(document, quote, url, title, states, data.where("quote") if quote else data.location)


def _origin(reader: _Reader, data: YamlMap, ident: str | None) -> SolarDate | LunarRule | None:
    if ("date" in data) == ("lunar" in data):
        reader.add(data.location, N_("give exactly one of 'date' and 'lunar'"), entry=ident, field="date")
        return None
    if "date" in data:
        return reader.solar_date(data, "date", entry=ident)
    lunar = reader.mapping(data["lunar"], data.where("lunar"), entry=ident, field="lunar")
    if lunar is None:
        return None
    reader.unknown_fields(lunar, {"month", "day", "origin_year"}, entry=ident, prefix="lunar.")
    month = reader.integer(lunar, "month", entry=ident, low=1, high=12, prefix="lunar.")
    day = reader.integer(lunar, "day", entry=ident, low=1, high=30, prefix="lunar.")
    origin = (
        reader.integer(lunar, "origin_year", entry=ident, low=1, high=2200, prefix="lunar.")
        if "origin_year" in lunar
        else None
    )
    if month is None or day is None:
        return None
    return LunarRule(month, day, origin)


def _choice(reader: _Reader, data: YamlMap, key: str, allowed, ident, message: str, default=None):
    value = data.get(key, default)
    if value not in allowed:
        reader.add(
            data.where(key) if key in data else data.location,
            message,
            entry=ident,
            field=key,
            value=value,
            allowed=", ".join(allowed),
        )
        return None
    return value


def _event(reader: _Reader, data: YamlMap, documents: dict) -> Event | None:
    ident = reader.text(data, "id")
    reader.unknown_fields(data, _EVENT_FIELDS, entry=ident)
    title_vi, title_en = reader.bilingual(data, "title", entry=ident)
    origin = _origin(reader, data, ident)
    category = _choice(
        reader, data, "category", CATEGORIES, ident, N_("unknown category '{value}' (known: {allowed})")
    )
    observance = _choice(
        reader,
        data,
        "observance",
        [o.value for o in Observance],
        ident,
        N_("unknown observance '{value}' (known: {allowed})"),
        default="milestones",
    )
    country = reader.text(data, "country", entry=ident, required=category == "diplomatic")
    if country is not None and country not in COUNTRIES:
        reader.add(
            data.where("country"),
            N_("unknown country code '{value}' (use ISO 3166-1 alpha-2, e.g. SE)"),
            entry=ident,
            field="country",
            value=country,
        )
    partnership = reader.bilingual(data, "partnership", entry=ident, required=False)
    sources = [
        _citation(reader, item, ident, documents)
        for item, where in reader.items(data, "sources", entry=ident)
        if reader.mapping(item, where, entry=ident, field="sources")
    ]
    resolution = None
    if "resolution" in data:
        found = reader.mapping(data["resolution"], data.where("resolution"), entry=ident, field="resolution")
        if found is not None:
            reader.unknown_fields(found, {"date", "reason"}, entry=ident, prefix="resolution.")
            chosen = reader.solar_date(found, "date", entry=ident, prefix="resolution.")
            reason_vi, reason_en = reader.bilingual(found, "reason", entry=ident, prefix="resolution.")
            resolution = (
                Resolution(chosen, reason_vi, reason_en) if chosen and reason_vi and reason_en else None
            )
    note = reader.bilingual(data, "note", entry=ident, required=False)
    if None in (ident, title_vi, title_en, origin, category, observance) or None in sources:
        return None
    return Event(
        ident,
        title_vi,
        title_en,
        category,
        origin,
        Observance(observance),
        tuple(sources),
        country,
        partnership[0],
        partnership[1],
        note[0],
        note[1],
        resolution,
        data.location,
    )


def _count(reader: _Reader, data: YamlMap, documents: dict) -> DeclaredCount | None:
    ident = reader.text(data, "id")
    reader.unknown_fields(data, _COUNT_FIELDS, entry=ident)
    document = reader.text(data, "document", entry=ident)
    if document is not None and document not in documents:
        reader.add(
            data.where("document"),
            N_("unknown source document '{document}' (known: {known})"),
            entry=ident,
            field="document",
            document=document,
            known=", ".join(documents),
        )
        document = None
    quote = reader.text(data, "quote", entry=ident)
    year = reader.integer(data, "year", entry=ident, low=1, high=9999)
    count = reader.integer(data, "count", entry=ident, low=1)
    category = _choice(
        reader, data, "category", CATEGORIES, ident, N_("unknown category '{value}' (known: {allowed})")
    )
    note = reader.text(data, "note", entry=ident, required=False)
    if None in (ident, document, quote, year, count, category):
        return None
    return DeclaredCount(ident, document, quote, year, category, count, note, data.location)


def _each(reader: _Reader, top: YamlMap, key: str, parse: Callable, kind: str, seen: dict, *args) -> list:
    results = []
    for item, where in reader.items(top, key, required=key != "declared_counts"):
        data = reader.mapping(item, where)
        if data is None:
            continue
        _unique(
            reader, seen, data.get("id") if isinstance(data.get("id"), str) else None, data.where("id"), kind
        )
        parsed = parse(reader, data, *args)
        if parsed is not None:
            results.append(parsed)
    return results


def parse(data, path: str) -> tuple[Registry | None, list[Problem]]:
    """Turn loaded YAML into a Registry; returns it with the problems found."""
    reader = _Reader(path)
    top = reader.mapping(data, getattr(data, "location", Location(path, 1, 1)))
    if top is None:
        return None, reader.problems
    reader.unknown_fields(top, _TOP_FIELDS)
    if top.get("version") != 1:
        reader.add(
            top.where("version"),
            N_("unsupported registry version {value} (this program reads version 1)"),
            field="version",
            value=top.get("version"),
        )
        return None, reader.problems
    documents = {d.id: d for d in _each(reader, top, "documents", _document, Msg(N_("document")), {})}
    seen: dict[str, Location] = {}
    counts = _each(reader, top, "declared_counts", _count, Msg(N_("declared count")), seen, documents)
    events = _each(reader, top, "events", _event, Msg(N_("entry")), seen, documents)
    registry = Registry(path, documents, tuple(events), tuple(counts))
    return registry, reader.problems


def registry_dir(path: str | Path) -> Path:
    return Path(path).resolve().parent
