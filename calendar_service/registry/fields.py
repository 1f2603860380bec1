"""Reading the fields of a YAML data file (registry, subscribers): each
problem found is collected with its file:line:column, entry and field."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from babel import Locale

from ..errors import Location, Problem, problem
from ..i18n import N_
from ..model import Bilingual, SolarDate
from .yamlfile import YamlList, YamlMap

CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # line breaks, tabs and other control characters
# In text of several lines (notes): control characters other than line breaks and tabs.
CONTROL_IN_LINES = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
DATE_PATTERN = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", re.ASCII)  # ASCII digits only, fullmatch
# ISO 3166-1 alpha-2 codes as CLDR (through Babel) knows them.
COUNTRIES = frozenset(code for code in Locale("en").territories if re.fullmatch(r"[A-Z]{2}", code))


def visible(text: str) -> str:
    """Text as a message may show it: control characters written as escapes
    (``\\x1b``), so that an error line cannot carry them to a terminal."""
    if not CONTROL.search(text):
        return text
    return CONTROL.sub(lambda found: found[0].encode("unicode_escape").decode("ascii"), text)


class Reader:
    """Collects problems while reading one file."""

    def __init__(self, path: str):
        self.path = path
        self.problems: list[Problem] = []

    def add(self, where: Location, message: str, *, entry=None, field=None, **params) -> None:
        shown = {key: visible(value) if isinstance(value, str) else value for key, value in params.items()}
        self.problems.append(problem(where, message, entry_id=entry, field=field, **shown))

    def mapping(self, value, where: Location, *, entry=None, field=None) -> YamlMap | None:
        if isinstance(value, YamlMap):
            return value
        self.add(where, N_("expected a mapping of fields"), entry=entry, field=field)
        return None

    def unknown_fields(self, data: YamlMap, allowed: set[str], *, entry=None, prefix="") -> None:
        if data.keys() <= allowed:
            return
        for key in data:
            if key not in allowed:
                self.add(
                    data.key_location(key),
                    N_("unknown field (allowed: {allowed})"),
                    entry=entry,
                    field=prefix + key,
                    allowed=", ".join(sorted(allowed)),
                )

    def text(
        self, data: YamlMap, key: str, *, entry=None, required=True, prefix="", lines=False
    ) -> str | None:
        """A field's text, stripped; one line unless ``lines`` (then line
        breaks and tabs are allowed, other control characters never)."""
        value = data.get(key)
        if type(value) is str:  # the common case, first
            text = value.strip()
            if text and not (CONTROL_IN_LINES if lines else CONTROL).search(text):
                return text
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                where = data.where(key) if key in data else data.location
                self.add(where, N_("missing: this field is required"), entry=entry, field=prefix + key)
            return None
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            self.add(data.where(key), N_("expected text"), entry=entry, field=prefix + key)
            return None
        text = str(value).strip()
        if lines and (found := CONTROL_IN_LINES.search(text)):
            self.add(
                data.where(key),
                N_("control character U+{code:04X} is not allowed (only line breaks and tabs)"),
                entry=entry,
                field=prefix + key,
                code=ord(found[0]),
            )
            return None
        if not lines and CONTROL.search(text):
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

    def boolean(self, data: YamlMap, key: str, *, entry=None, default: bool = False) -> bool | None:
        """``true`` or ``false`` (YAML's words for them); None (and a problem) otherwise."""
        value = data.get(key, default)
        if not isinstance(value, bool):
            self.add(data.where(key), N_("expected true or false"), entry=entry, field=key)
            return None
        return value

    def solar_date(self, data: YamlMap, key: str, *, entry=None, prefix="") -> SolarDate | None:
        value = data.get(key)
        raw = str(value) if isinstance(value, (str, int)) and not isinstance(value, bool) else ""
        match = DATE_PATTERN.fullmatch(raw)
        if not match:
            self.add(
                data.where(key),
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
                data.where(key),
                N_("{value} is not a real calendar date"),
                entry=entry,
                field=prefix + key,
                value=raw,
            )
            return None
        return SolarDate(year, month, day)

    def bilingual(
        self, data: YamlMap, key: str, *, entry=None, required=True, prefix="", lines=False
    ) -> Bilingual | None:
        """A text given in both languages: ``{vi: …, en: …}``; None when it is
        absent (and optional) or when a language is missing (a problem then says so)."""
        name = prefix + key
        if key not in data and not required:
            return None
        value = self.mapping(data.get(key), data.where(key), entry=entry, field=name)
        if value is None:
            return None
        self.unknown_fields(value, {"vi", "en"}, entry=entry, prefix=name + ".")
        vi = self.text(value, "vi", entry=entry, prefix=name + ".", lines=lines)
        en = self.text(value, "en", entry=entry, prefix=name + ".", lines=lines)
        return Bilingual(vi, en) if vi is not None and en is not None else None

    def mappings(
        self, data: YamlMap, key: str, *, entry=None, required=True, item_field=None
    ) -> Iterator[YamlMap]:
        """The mappings listed under ``key``, one at a time; a problem for a
        missing or empty list (when required) and for each item that is not a
        mapping, in the order they come."""
        value = data.get(key)
        if value is None and not required:
            return
        if not isinstance(value, YamlList) or (required and not value):
            self.add(
                data.where(key) if key in data else data.location,
                N_("expected a non-empty list"),
                entry=entry,
                field=key,
            )
            return
        for index, item in enumerate(value):
            if isinstance(item, YamlMap):
                yield item
            else:
                self.add(
                    value.where(index), N_("expected a mapping of fields"), entry=entry, field=item_field
                )

    def choice(self, data: YamlMap, key: str, allowed, ident, message: str, default=None):
        value = data.get(key, default)
        if value not in allowed:
            self.add(
                data.where(key) if key in data else data.location,
                message,
                entry=ident,
                field=key,
                value=value,
                allowed=", ".join(allowed),
            )
            return None
        return value
