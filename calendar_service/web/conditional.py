"""Conditional requests and content coding for feeds, as RFC 9110 says.

Werkzeug's own evaluation answered a failed If-Match with the whole body,
ignored If-Unmodified-Since and crashed (a 500) on an If-Modified-Since with a
ten-digit year, so the precondition order of §13.2.2 is written out here:

1. If-Match (strong comparison, §13.1.1): no match → 412;
2. else If-Unmodified-Since (§13.1.4): modified after the date → 412;
3. If-None-Match (weak comparison, §13.1.2): a match → 304 for GET/HEAD;
4. else, for GET/HEAD, If-Modified-Since (§13.1.3): not modified since → 304;
5. If-Range (§13.1.5) decides whether a Range is honoured.

A date that is not a valid HTTP-date (§5.6.7: IMF-fixdate and the two
obsolete forms every recipient must accept) is ignored, as the RFC requires.
Pure functions: header values (as received) and the clock in, decisions out.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass

NOT_MODIFIED = 304
PRECONDITION_FAILED = 412

_MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), start=1)}
_DAY = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
_LONG_DAY = r"(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)"
_MONTH = r"(?P<month>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_TIME = r"(?P<hour>\d\d):(?P<minute>\d\d):(?P<second>\d\d)"
_IMF_FIXDATE = re.compile(rf"{_DAY}, (?P<day>\d\d) {_MONTH} (?P<year>\d{{4}}) {_TIME} GMT")
_RFC850 = re.compile(rf"{_LONG_DAY}, (?P<day>\d\d)-{_MONTH}-(?P<year>\d\d) {_TIME} GMT")
_ASCTIME = re.compile(rf"{_DAY} {_MONTH} (?P<day>[ \d]\d) {_TIME} (?P<year>\d{{4}})")
# entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE, etagc = %x21 / %x23-7E / obs-text
_ENTITY_TAG = re.compile(r'\s*(W/)?"([\x21\x23-\x7e\x80-\xff]*)"\s*(?:,|$)')
_QVALUE = re.compile(r"0(?:\.\d{0,3})?|1(?:\.0{0,3})?")
_OWS = " \t"


def parse_http_date(value: str | None, now: dt.datetime) -> dt.datetime | None:
    """An HTTP-date (RFC 9110 §5.6.7) as an aware UTC datetime, or None when it
    is not one (wrong form, a list of dates, a day that does not exist, a year
    outside 1–9999). ``now`` decides the century of a two-digit year."""
    if value is None:
        return None
    value = value.strip(_OWS)
    for form in (_IMF_FIXDATE, _RFC850, _ASCTIME):
        match = form.fullmatch(value)
        if match:
            break
    else:
        return None
    year = int(match["year"])
    if form is _RFC850:
        # A two-digit year more than 50 years in the future is the most recent
        # past year with the same last two digits.
        year += now.year - now.year % 100
        if year > now.year + 50:
            year -= 100
    try:
        return dt.datetime(
            year,
            _MONTHS[match["month"]],
            int(match["day"]),
            int(match["hour"]),
            int(match["minute"]),
            int(match["second"]),
            tzinfo=dt.UTC,
        )
    except ValueError:
        return None


@dataclass(frozen=True)
class EntityTag:
    opaque: str  # between the quotes
    weak: bool = False

    def __str__(self) -> str:
        return ('W/"%s"' if self.weak else '"%s"') % self.opaque


def _tags(value: str) -> list[EntityTag] | None:
    """The entity tags of an If-Match/If-None-Match value; None for ``*``.
    Members that are not entity tags are skipped (they match nothing)."""
    value = value.strip(_OWS)
    if value == "*":
        return None
    found, position = [], 0
    while position < len(value):
        match = _ENTITY_TAG.match(value, position)
        if match is None:
            skip = value.find(",", position)
            position = len(value) if skip < 0 else skip + 1
            continue
        found.append(EntityTag(match[2], bool(match[1])))
        position = match.end()
    return found


def _matches(value: str, current: EntityTag, strong: bool) -> bool:
    tags = _tags(value)
    if tags is None:
        return True  # "*": there is a current representation
    if strong:
        return any(not tag.weak and not current.weak and tag.opaque == current.opaque for tag in tags)
    return any(tag.opaque == current.opaque for tag in tags)


def evaluate(
    headers: Mapping[str, str],
    method: str,
    etag: EntityTag,
    last_modified: dt.datetime | None,
    now: dt.datetime,
) -> int | None:
    """The status a conditional request gets instead of 200 (304 or 412), or
    None when the request is to be served. ``last_modified`` in whole seconds."""
    safe = method in ("GET", "HEAD")
    if_match = headers.get("If-Match")
    if if_match is not None:
        if not _matches(if_match, etag, strong=True):
            return PRECONDITION_FAILED
    else:
        date = parse_http_date(headers.get("If-Unmodified-Since"), now)
        if date is not None and last_modified is not None and last_modified > date:
            return PRECONDITION_FAILED
    if_none_match = headers.get("If-None-Match")
    if if_none_match is not None:
        if _matches(if_none_match, etag, strong=False):
            return NOT_MODIFIED if safe else PRECONDITION_FAILED
    elif safe:
        date = parse_http_date(headers.get("If-Modified-Since"), now)
        if date is not None and last_modified is not None and last_modified <= date:
            return NOT_MODIFIED
    return None


def range_applies(
    headers: Mapping[str, str], etag: EntityTag, last_modified: dt.datetime | None, now: dt.datetime
) -> bool:
    """Whether a Range header is to be honoured (If-Range, §13.1.5): without
    If-Range, yes; with one, only when its validator matches exactly (an entity
    tag by strong comparison, or the very Last-Modified date)."""
    value = headers.get("If-Range")
    if value is None:
        return True
    value = value.strip(_OWS)
    if value.startswith(('"', "W/")):
        tags = _tags(value)
        return tags is not None and len(tags) == 1 and _matches(value, etag, strong=True)
    date = parse_http_date(value, now)
    return date is not None and date == last_modified


def accepts_gzip(value: str | None) -> bool:
    """Whether Accept-Encoding (§12.5.3) lets a response be gzip-coded: gzip
    (or its alias x-gzip, or ``*`` when gzip is not listed) with a q-value
    above 0 and not below identity's, when identity is listed. Without the
    header, no coding: the client did not ask."""
    if value is None:
        return False
    gzip_q = star_q = identity_q = None
    for member in value.split(","):
        coding, *parameters = member.split(";")
        coding = coding.strip(_OWS).lower()
        quality: float | None = 1.0
        for parameter in parameters:
            name, _, given = parameter.partition("=")
            if name.strip(_OWS).lower() == "q":
                given = given.strip(_OWS)
                quality = float(given) if _QVALUE.fullmatch(given) else None
        if quality is None:
            continue  # an invalid q-value: the member is ignored
        if coding in ("gzip", "x-gzip"):
            gzip_q = quality if gzip_q is None else max(gzip_q, quality)
        elif coding == "*":
            star_q = quality
        elif coding == "identity":
            identity_q = quality
    chosen = gzip_q if gzip_q is not None else star_q
    if chosen is None or chosen <= 0:
        return False
    return identity_q is None or chosen >= identity_q
