"""Read ``data/events.yaml`` (and the files it includes) into domain objects,
with a problem for every field that cannot be used (schema, real dates, ids,
categories, countries, scopes). Ids, documents, scopes and declared counts are
one set across all the files: an entry may cite a document another file
defines, and an id used twice is reported with both places."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

from ..errors import Location, Problem
from ..i18n import N_, Msg
from ..model import (
    CATEGORIES,
    NATIONAL,
    Bilingual,
    Citation,
    DeclaredCount,
    Document,
    Event,
    LunarRule,
    Observance,
    Registry,
    Resolution,
    Scope,
    SolarDate,
    YearlyRule,
)
from .fields import CONTROL, COUNTRIES, Reader  # noqa: F401  (re-exported)
from .includes import INCLUDE, RegistryFile
from .yamlfile import YamlMap

ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9-]*")  # fullmatch: no line break at the end
_URL = re.compile(r"https?://\S+")
_OBSERVANCES = [o.value for o in Observance]

_TOP_FIELDS = {"version", "documents", "declared_counts", "events", "scopes", INCLUDE}
_SCOPE_FIELDS = {"id", "name"}
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
    "scope",
    "holiday",
    "yearly",
}
_SOURCE_FIELDS = {"document", "quote", "url", "title", "states"}


def _unique(reader: Reader, seen: dict[str, Location], data: YamlMap, kind: str) -> None:
    """An id is used once across every file of the registry."""
    ident = data.get("id")
    if not isinstance(ident, str):
        return
    where = data.where("id")
    if not ID_PATTERN.fullmatch(ident):
        reader.add(
            where, N_("id '{id}' must use lower-case letters, digits and hyphens"), field="id", id=ident
        )
    elif ident in seen and seen[ident].path == where.path:
        reader.add(
            where,
            N_("duplicate {kind} id '{id}' (first used on line {line})"),
            field="id",
            kind=kind,
            id=ident,
            line=seen[ident].line,
        )
    elif ident in seen:
        reader.add(
            where,
            N_("duplicate {kind} id '{id}' (first used in {file}, line {line})"),
            field="id",
            kind=kind,
            id=ident,
            file=seen[ident].path,
            line=seen[ident].line,
        )
    else:
        seen[ident] = where


def _document(reader: Reader, data: YamlMap, base: str | None = None) -> Document | None:
    reader.unknown_fields(data, _DOCUMENT_FIELDS)
    ident = reader.text(data, "id")
    values = {key: reader.text(data, key, entry=ident) for key in ("issuer", "title", "file")}
    number = reader.text(data, "number", entry=ident, required=False)
    note = _date_note(reader, data, ident)
    issued = None
    if data.get("date") is not None:
        found = reader.solar_date(data, "date", entry=ident)
        issued = found.as_date() if found else None
    elif note is None and "date_note" not in data:  # a date_note given but wrong is reported already
        reader.add(
            data.location,
            N_("give the date, or a date_note saying why it is unknown"),
            entry=ident,
            field="date",
        )
    if ident is None or None in values.values():
        return None
    return Document(
        ident, number, values["issuer"], values["title"], values["file"], issued, note, data.location, base
    )


def _date_note(reader: Reader, data: YamlMap, ident: str | None) -> Bilingual | None:
    """``date_note: {vi: …, en: …}``; a plain string (the earlier form) is
    accepted and shown in both languages."""
    if isinstance(data.get("date_note"), str):
        text = reader.text(data, "date_note", entry=ident, required=False)
        return Bilingual(text, text) if text else None
    return reader.bilingual(data, "date_note", entry=ident, required=False)


def _scope(reader: Reader, data: YamlMap) -> Scope | None:
    ident = reader.text(data, "id")
    reader.unknown_fields(data, _SCOPE_FIELDS, entry=ident)
    name = reader.bilingual(data, "name", entry=ident)
    if ident == NATIONAL:
        reader.add(
            data.where("id"),
            N_("'{id}' is the national scope, which every registry has: declare only local scopes"),
            entry=ident,
            field="id",
            id=ident,
        )
        return None
    if ident is None or name is None:
        return None
    return Scope(ident, name, data.location)


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
    return Citation(
        document,
        quote,
        url,
        title,
        states,
        data.where("quote") if quote else data.location,
        data.where("url") if url else None,
    )


def _origin(reader: Reader, data: YamlMap, ident: str | None) -> SolarDate | LunarRule | YearlyRule | None:
    given = [key for key in ("date", "lunar", "yearly") if key in data]
    if len(given) != 1:
        reader.add(
            data.location, N_("give exactly one of 'date', 'lunar' and 'yearly'"), entry=ident, field="date"
        )
        return None
    if "date" in data:
        return reader.solar_date(data, "date", entry=ident)
    key = given[0]
    rule = reader.mapping(data[key], data.where(key), entry=ident, field=key)
    if rule is None:
        return None
    prefix = key + "."
    reader.unknown_fields(rule, {"month", "day", "origin_year"}, entry=ident, prefix=prefix)
    month = reader.integer(rule, "month", entry=ident, low=1, high=12, prefix=prefix)
    day = reader.integer(rule, "day", entry=ident, low=1, high=30 if key == "lunar" else 31, prefix=prefix)
    origin = (
        reader.integer(rule, "origin_year", entry=ident, low=1, high=2200, prefix=prefix)
        if "origin_year" in rule
        else None
    )
    if month is None or day is None:
        return None
    if key == "lunar":
        return LunarRule(month, day, origin)
    try:
        dt.date(2000, month, day)  # a leap year: 29 February is a day of the year
    except ValueError:
        reader.add(
            rule.where("day"),
            N_("{day}/{month} is not a day of the year"),
            entry=ident,
            field=prefix + "day",
            day=day,
            month=month,
        )
        return None
    return YearlyRule(month, day, origin)


def _scope_of(reader: Reader, data: YamlMap, ident: str | None, scopes: dict) -> str | None:
    scope = reader.text(data, "scope", entry=ident, required=False) or NATIONAL
    if scope != NATIONAL and scope not in scopes:
        reader.add(
            data.where("scope"),
            N_("unknown scope '{value}' (known: {allowed}); declare it under 'scopes:'"),
            entry=ident,
            field="scope",
            value=scope,
            allowed=", ".join([NATIONAL, *scopes]),
        )
        return None
    return scope


def _event(reader: Reader, data: YamlMap, documents: dict, scopes: dict) -> Event | None:
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
    scope = _scope_of(reader, data, ident, scopes)
    holiday = reader.boolean(data, "holiday", entry=ident)
    if None in (ident, title, origin, category, observance, scope, holiday) or None in sources:
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
        scope,
        holiday,
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


def _each(
    reader: Reader, top: YamlMap, key: str, parse: Callable, kind: str, seen: dict, *args, required=False
) -> list:
    results = []
    for data in reader.mappings(top, key, required=required):
        _unique(reader, seen, data, kind)
        parsed = parse(reader, data, *args)
        if parsed is not None:
            results.append(parsed)
    return results


def parse(data, path: str) -> tuple[Registry | None, list[Problem]]:
    """Turn one loaded YAML file into a Registry; returns it with the problems found."""
    return parse_files([RegistryFile(Path(path).resolve(), path, data, root=True)])


def _top(reader: Reader, source: RegistryFile) -> YamlMap | None:
    """A file's top mapping, or None (with a problem) when it cannot be read."""
    data = source.data
    top = reader.mapping(data, getattr(data, "location", Location(source.shown, 1, 1)))
    if top is None:
        return None
    reader.unknown_fields(top, _TOP_FIELDS)
    if (source.root or "version" in top) and top.get("version") != 1:
        reader.add(
            top.where("version"),
            N_("unsupported registry version {value} (this program reads version 1)"),
            field="version",
            value=top.get("version"),
        )
        return None
    return top


def parse_files(files: list[RegistryFile]) -> tuple[Registry | None, list[Problem]]:
    """Turn the registry's files (the first is the registry itself) into one Registry."""
    reader = Reader(files[0].shown)
    read = [(source, _top(reader, source)) for source in files]
    first = read[0][1]
    if first is None:
        return None, reader.problems
    tops = [(source, top) for source, top in read if top is not None]
    # A registry that includes nothing must hold its documents and entries itself.
    alone = len(files) == 1 and INCLUDE not in first

    def each(key: str, parse_item: Callable, kind: str, seen: dict, *args, base: bool = False) -> list:
        found = []
        for source, top in tops:
            extra = (*args, source.base) if base else args
            required = alone and key in ("documents", "events")
            found += _each(reader, top, key, parse_item, kind, seen, *extra, required=required)
        return found

    documents = {d.id: d for d in each("documents", _document, Msg(N_("document")), {}, base=True)}
    scopes = {s.id: s for s in each("scopes", _scope, Msg(N_("scope")), {})}
    seen: dict[str, Location] = {}
    counts = each("declared_counts", _count, Msg(N_("declared count")), seen, documents)
    events = each("events", _event, Msg(N_("entry")), seen, documents, scopes)
    paths = tuple(str(source.path) for source in files)
    registry = Registry(files[0].shown, documents, tuple(events), tuple(counts), scopes, paths)
    return registry, reader.problems


def registry_dir(path: str | Path) -> Path:
    return Path(path).resolve().parent
