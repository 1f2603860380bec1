"""Read ``data/events.yaml`` into domain objects, with a problem for every
field that cannot be used (schema, real dates, ids, categories, countries)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from ..errors import Location, Problem
from ..i18n import N_, Msg
from ..model import (
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
from .fields import CONTROL, COUNTRIES, Reader  # noqa: F401  (re-exported)
from .yamlfile import YamlMap

ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]*")  # fullmatch: no line break at the end
_URL = re.compile(r"https?://\S+")
_OBSERVANCES = [o.value for o in Observance]

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


def _unique(reader: Reader, seen: dict[str, YamlMap], data: YamlMap, kind: str) -> None:
    ident = data.get("id")
    if not isinstance(ident, str):
        return
    if not ID_PATTERN.fullmatch(ident):
        reader.add(
            data.where("id"),
            N_("id '{id}' must use lower-case letters, digits and hyphens"),
            field="id",
            id=ident,
        )
    elif ident in seen:
        reader.add(
            data.where("id"),
            N_("duplicate {kind} id '{id}' (first used on line {line})"),
            field="id",
            kind=kind,
            id=ident,
            line=seen[ident].where("id").line,
        )
    else:
        seen[ident] = data


def _document(reader: Reader, data: YamlMap) -> Document | None:
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


def _known_document(reader: Reader, data: YamlMap, document, documents: dict, entry, field: str) -> bool:
    """False (and a problem) when a document id is given but not registered."""
    if document is None or document in documents:
        return True
    reader.add(
        data.where("document"),
        N_("unknown source document '{document}' (known: {known})"),
        entry=entry,
        field=field,
        document=document,
        known=", ".join(documents),
    )
    return False


def _citation(reader: Reader, data: YamlMap, entry: str | None, documents: dict) -> Citation | None:
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
    if not _known_document(reader, data, document, documents, entry, "sources.document"):
        return None
    if url is not None and not _URL.fullmatch(url):
        reader.add(
            data.where("url"),
            N_("'{url}' is not an http(s) address"),
            entry=entry,
            field="sources.url",
            url=url,
        )
        return None
    return Citation(document, quote, url, title, states, data.where("quote") if quote else data.location)


def _origin(reader: Reader, data: YamlMap, ident: str | None) -> SolarDate | LunarRule | None:
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


def _event(reader: Reader, data: YamlMap, documents: dict) -> Event | None:
    ident = reader.text(data, "id")
    reader.unknown_fields(data, _EVENT_FIELDS, entry=ident)
    title = reader.bilingual(data, "title", entry=ident)
    origin = _origin(reader, data, ident)
    category = reader.choice(
        data, "category", CATEGORIES, ident, N_("unknown category '{value}' (known: {allowed})")
    )
    observance = reader.choice(
        data,
        "observance",
        _OBSERVANCES,
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
        for item in reader.mappings(data, "sources", entry=ident, item_field="sources")
    ]
    resolution = None
    if "resolution" in data:
        found = reader.mapping(data["resolution"], data.where("resolution"), entry=ident, field="resolution")
        if found is not None:
            reader.unknown_fields(found, {"date", "reason"}, entry=ident, prefix="resolution.")
            chosen = reader.solar_date(found, "date", entry=ident, prefix="resolution.")
            reason = reader.bilingual(found, "reason", entry=ident, prefix="resolution.")
            resolution = Resolution(chosen, reason) if chosen and reason else None
    note = reader.bilingual(data, "note", entry=ident, required=False, lines=True)
    if None in (ident, title, origin, category, observance) or None in sources:
        return None
    return Event(
        ident,
        title,
        category,
        origin,
        Observance(observance),
        tuple(sources),
        country,
        partnership,
        note,
        resolution,
        data.location,
    )


def _count(reader: Reader, data: YamlMap, documents: dict) -> DeclaredCount | None:
    ident = reader.text(data, "id")
    reader.unknown_fields(data, _COUNT_FIELDS, entry=ident)
    document = reader.text(data, "document", entry=ident)
    if not _known_document(reader, data, document, documents, ident, "document"):
        document = None
    quote = reader.text(data, "quote", entry=ident)
    year = reader.integer(data, "year", entry=ident, low=1, high=9999)
    count = reader.integer(data, "count", entry=ident, low=1)
    category = reader.choice(
        data, "category", CATEGORIES, ident, N_("unknown category '{value}' (known: {allowed})")
    )
    note = reader.text(data, "note", entry=ident, required=False)
    if None in (ident, document, quote, year, count, category):
        return None
    return DeclaredCount(ident, document, quote, year, category, count, note, data.location)


def _each(reader: Reader, top: YamlMap, key: str, parse: Callable, kind: str, seen: dict, *args) -> list:
    results = []
    for data in reader.mappings(top, key, required=key != "declared_counts"):
        _unique(reader, seen, data, kind)
        parsed = parse(reader, data, *args)
        if parsed is not None:
            results.append(parsed)
    return results


def parse(data, path: str) -> tuple[Registry | None, list[Problem]]:
    """Turn loaded YAML into a Registry; returns it with the problems found."""
    reader = Reader(path)
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
    seen: dict[str, YamlMap] = {}
    counts = _each(reader, top, "declared_counts", _count, Msg(N_("declared count")), seen, documents)
    events = _each(reader, top, "events", _event, Msg(N_("entry")), seen, documents)
    registry = Registry(path, documents, tuple(events), tuple(counts))
    return registry, reader.problems


def registry_dir(path: str | Path) -> Path:
    return Path(path).resolve().parent
