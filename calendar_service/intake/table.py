"""An extraction as the command line shows it: tables in the reader's language."""

from __future__ import annotations

from ..dates.text import _table
from ..dates.titles import category_name, lunar_rule, solar
from ..i18n import N_, Language, gettext, ngettext
from ..model import LunarRule, SolarDate
from ..registry.fields import DATE_PATTERN
from .items import Extraction, Finding, Item, Kind, Match, Status

_SECTIONS = (
    ((Kind.ANNIVERSARY, Kind.PARTNER), N_("Anniversaries")),
    ((Kind.DOCUMENT,), N_("Party and state documents cited with a date")),
    ((Kind.COUNT,), N_("Declared counts")),
)


def origin_text(item: Item, lang: Language) -> str:
    if isinstance(item.origin, LunarRule):
        return lunar_rule(item.origin, lang)
    if isinstance(item.origin, SolarDate):
        return solar(item.origin, lang)
    if item.origin_year is not None:
        return gettext("{year} (implied)", lang).format(year=item.origin_year)
    return ""


def status_text(match: Match, lang: Language) -> str:
    if match.status is Status.KNOWN:
        return gettext("already in the registry: {entry}", lang).format(entry=match.entry)
    if match.status is Status.CONFLICT:
        return gettext("contradicts the registry: {entry}", lang).format(entry=match.entry)
    return gettext("new", lang)


def _shown(value: str | None, lang: Language) -> str | None:
    """An ISO date as the reader writes dates (11/6/1969); other values as they are."""
    found = DATE_PATTERN.match(value or "")
    if not found:
        return value
    year, month, day = found.groups()
    return solar(SolarDate(int(year), int(month) if month else None, int(day) if day else None), lang)


def conflict_text(finding: Finding, lang: Language) -> str:
    item, match = finding.item, finding.match
    if item.kind is Kind.COUNT:
        message = N_("'{entry}': the document declares {document}; the registry records {registry}")
    elif item.dated:
        message = N_("'{entry}': the document gives {document}; the registry has {registry}")
    else:
        message = N_("'{entry}': the document's anniversary implies {document}; the registry has {registry}")
    text = gettext(message, lang).format(
        entry=match.entry,
        document=_shown(match.document_value, lang),
        registry=_shown(match.registry_value, lang),
    )
    if match.resolution is not None:
        reason = gettext("the registry records why: {reason}", lang)
        return f"{text}; {reason.format(reason=match.resolution.reason.get(lang))}"
    return f"{text}; " + gettext("record which is right, and why, in the entry's resolution", lang)


def _rows(findings: list[Finding], lang: Language) -> str:
    header = [
        gettext("Origin", lang),
        gettext("Years", lang),
        gettext("Year", lang),
        gettext("Category", lang),
        gettext("Registry", lang),
        gettext("Quoted words", lang),
    ]
    rows = [
        [
            origin_text(f.item, lang),
            "" if f.item.n is None else str(f.item.n),
            "" if f.item.year is None else str(f.item.year),
            category_name(f.item.category, lang),
            status_text(f.match, lang),
            f"“{f.item.quote}”",
        ]
        for f in findings
    ]
    return _table(header, rows)


def _count_rows(findings: list[Finding], lang: Language) -> str:
    header = [
        gettext("Count", lang),
        gettext("Year", lang),
        gettext("Category", lang),
        gettext("Registry", lang),
        gettext("Quoted words", lang),
    ]
    rows = [
        [
            str(f.item.count),
            "" if f.item.year is None else str(f.item.year),
            category_name(f.item.category, lang),
            status_text(f.match, lang),
            f"“{f.item.quote}”",
        ]
        for f in findings
    ]
    return _table(header, rows)


def extraction_text(extraction: Extraction, lang: Language) -> str:
    lines = [gettext("Document: {path}", lang).format(path=extraction.path)]
    if extraction.document:
        lines.append(gettext("It is the registry's document '{id}'.", lang).format(id=extraction.document))
    if extraction.year is not None:
        lines.append(gettext("Year it is about: {year}", lang).format(year=extraction.year))
    else:
        lines.append(gettext("Year it is about: unknown (give it with --year)", lang))
    out = "\n".join(lines) + "\n"
    findings = list(extraction.findings)
    if not findings:
        return out + "\n" + gettext("No anniversaries found in this document.", lang) + "\n"
    for kinds, title in _SECTIONS:
        chosen = [f for f in findings if f.item.kind in kinds]
        if chosen:
            rows = _count_rows if kinds == (Kind.COUNT,) else _rows
            out += "\n" + gettext(title, lang) + "\n" + rows(chosen, lang)
    conflicts = [f for f in findings if f.match.status is Status.CONFLICT]
    if conflicts:
        out += "\n" + gettext("Conflicts with the registry:", lang) + "\n"
        out += "".join(f"  - {conflict_text(f, lang)}\n" for f in conflicts)
    counted = {status: sum(f.match.status is status for f in findings) for status in Status}
    summary = ngettext(
        "{count} item found: {known} already in the registry, {new} new, {conflicts} contradicting it.",
        "{count} items found: {known} already in the registry, {new} new, {conflicts} contradicting it.",
        len(findings),
        lang,
    )
    out += "\n" + summary.format(
        count=len(findings),
        known=counted[Status.KNOWN],
        new=counted[Status.NEW],
        conflicts=counted[Status.CONFLICT],
    )
    out += "\n" + gettext("The registry was not changed; --format yaml gives entries to review.", lang) + "\n"
    return out
