"""Registry stubs to review (``--format yaml``): the new entries a document
names, in the registry's own schema, with ``document:`` and ``quote:`` filled
and TODO comments where an editor must decide. Entries the registry already
has, and conflicts, are listed as comments. Nothing here writes a file."""

from __future__ import annotations

import os
import re
from pathlib import Path

import yaml
from babel import Locale

from ..i18n import Language, gettext
from ..model import LunarRule, Registry, SolarDate
from ..registry.schema import ID_PATTERN
from . import guess
from .items import Extraction, Item, Kind, Status
from .table import conflict_text

_NUMBER = re.compile(r"\bSố\s*:?\s*(\d+\s?-\s?[A-ZĐ][\w/\-]*)", re.I)
_ISSUED = re.compile(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})", re.I)


def scalar(value: object) -> str:
    """A value as one line of YAML (quoted where YAML needs it)."""
    dumped = yaml.safe_dump(value, allow_unicode=True, width=float("inf"), default_flow_style=True)
    return dumped.removesuffix("\n...\n").strip()


def _digits(number: str) -> str:
    found = re.match(r"\d+", number)
    return found.group() if found else ""


def _compact(number: str) -> str:
    return re.sub(r"\s+", "", number)


def _document_id(number: str | None, path: str) -> str:
    """ "hd-164" for a document numbered 164-HD/BTGTU; else from the file's name."""
    if number:
        letters = re.findall(r"[^\W\d_]+", guess.fold(number))
        if letters:
            return f"{letters[0]}-{_digits(number)}"
    return f"document-{guess.slug(Path(path).stem)}"


def _comment(text: str) -> str:
    return f"  # {text}" if text else ""


class _Ids:
    """Id suggestions that are valid and taken by nothing else."""

    def __init__(self, taken: set[str]):
        self.taken = set(taken)

    def new(self, wanted: str) -> str:
        base = re.sub(r"-+", "-", re.sub(r"[^a-z0-9-]", "-", wanted.lower())).strip("-") or "entry"
        if not ID_PATTERN.match(base):
            base = f"entry-{base}"
        ident, counter = base, 2
        while ident in self.taken:
            ident, counter = f"{base}-{counter}", counter + 1
        self.taken.add(ident)
        return ident


def _wanted_id(item: Item) -> str:
    if item.kind is Kind.PARTNER and item.country:
        return "quan-he-ngoai-giao-" + Locale("en").territories.get(item.country, item.country)
    if item.kind is Kind.COUNT:
        return f"{item.category}-{item.year or 'todo'}"
    if item.kind is Kind.DOCUMENT and item.number:
        head = item.title.split(" số ", 1)[0]
        return f"{guess.slug(head)}-{_digits(item.number)}"
    return guess.slug(item.title)


def _origin_lines(item: Item, lang: Language) -> list[str]:
    if isinstance(item.origin, LunarRule):
        lines = ["    lunar:", f"      month: {item.origin.month}", f"      day: {item.origin.day}"]
        if item.origin_year is not None:
            lines.append(f"      origin_year: {item.origin_year}")
        return lines
    if isinstance(item.origin, SolarDate):
        return [f"    date: {item.origin.iso()}"]
    if item.origin_year is not None:
        note = gettext("implied by “{n} năm” in {year}: find the day in a public source", lang)
        return [f"    date: {item.origin_year}" + _comment(note.format(n=item.n, year=item.year))]
    return ['    date: ""' + _comment(gettext("TODO: the origin date", lang))]


def _event(item: Item, ident: str, document: str, lang: Language) -> list[str]:
    guessed = gettext("guess", lang)
    lines = [
        f"  - id: {ident}",
        "    title:",
        f"      vi: {scalar(item.title)}",
        '      en: ""' + _comment(gettext("TODO: the English title", lang)),
        *_origin_lines(item, lang),
        f"    category: {item.category}" + _comment(guessed),
        f"    observance: {item.observance.value}" + _comment(guessed),
    ]
    if item.country:
        lines.append(f"    country: {item.country}")
    lines += ["    sources:", f"      - document: {document}", f"        quote: {scalar(item.quote)}"]
    return lines


def _count(item: Item, ident: str, document: str) -> list[str]:
    return [
        f"  - id: {ident}",
        f"    document: {document}",
        f"    quote: {scalar(item.quote)}",
        f"    year: {item.year}" if item.year else '    year: ""',
        f"    category: {item.category}",
        f"    count: {item.count}",
    ]


def _document(extraction: Extraction, ident: str, registry: Registry, lang: Language) -> list[str]:
    head = extraction.text[:1500]
    number = _NUMBER.search(head)
    issued = _ISSUED.search(head)
    base = Path(registry.path).resolve().parent
    path = Path(extraction.path).resolve()
    if path.suffix.lower() == ".txt" and path.is_relative_to(base):
        file_line = f"    file: {scalar(os.path.relpath(path, base))}"
    else:
        target = base / "sources" / f"{path.stem}.txt"
        command = f"calendar-service extract {extraction.path} --save-text {target}"
        todo = gettext("TODO: save the document's text there: {command}", lang).format(command=command)
        file_line = f"    file: {scalar(f'sources/{path.stem}.txt')}" + _comment(todo)
    lines = [
        f"  - id: {ident}",
        f"    number: {scalar(_compact(number.group(1)))}"
        if number
        else '    number: ""' + _comment(gettext("TODO: the document's number, or remove the line", lang)),
        '    issuer: ""' + _comment(gettext("TODO: who issued it", lang)),
    ]
    if issued:
        day, month, year = (int(part) for part in issued.groups())
        lines.append(f"    date: {SolarDate(year, month, day).iso()}")
    else:
        lines.append(
            '    date_note: ""'
            + _comment(gettext("TODO: the date it was issued, or why it is unknown", lang))
        )
    lines += ['    title: ""' + _comment(gettext("TODO: the document's title", lang)), file_line]
    return lines


def stubs(extraction: Extraction, registry: Registry, lang: Language) -> str:
    ids = _Ids({e.id for e in registry.events} | {c.id for c in registry.declared_counts})
    document_ids = _Ids(set(registry.documents))
    header = [
        gettext("Proposed registry entries from {path} (calendar-service extract).", lang).format(
            path=extraction.path
        ),
        gettext("Review each one, fill in every TODO and copy what you keep into the registry;", lang),
        gettext("'calendar-service validate' then checks the quotes against the document.", lang),
        gettext("Nothing has been written to the registry.", lang),
    ]
    out = [f"# {line}" for line in header]
    document = extraction.document
    new = [f for f in extraction.findings if f.match.status is Status.NEW]
    if document is None:
        number = _NUMBER.search(extraction.text[:1500])
        wanted = _document_id(_compact(number.group(1)) if number else None, extraction.path)
        document = document_ids.new(wanted)
        out += ["documents:", *_document(extraction, document, registry, lang)]
    counts = [f.item for f in new if f.item.kind is Kind.COUNT]
    if counts:
        out.append("declared_counts:")
        for item in counts:
            out += _count(item, ids.new(_wanted_id(item)), document)
    events = [f.item for f in new if f.item.kind is not Kind.COUNT]
    out.append("events:" if events else "events: []")
    for item in events:
        out += _event(item, ids.new(_wanted_id(item)), document, lang)
    out += _known(extraction, document, lang)
    return "\n".join(out) + "\n"


def _known(extraction: Extraction, document: str, lang: Language) -> list[str]:
    uncited = [
        f
        for f in extraction.findings
        if f.match.status is not Status.NEW and not f.match.cited and f.item.kind is not Kind.COUNT
    ]
    conflicts = [f for f in extraction.findings if f.match.status is Status.CONFLICT]
    out = []
    if uncited:
        out.append("#")
        out.append(
            "# "
            + gettext("Already in the registry; to cite this document there too, add to their sources:", lang)
        )
        for finding in uncited:
            out += [
                f"#   {finding.match.entry}:",
                f"#     - document: {document}",
                f"#       quote: {scalar(finding.item.quote)}",
            ]
    if conflicts:
        out.append("#")
        out.append("# " + gettext("Conflicts with the registry:", lang))
        out += [f"#   - {conflict_text(f, lang)}" for f in conflicts]
    return out
