"""Message catalogs are complete, have no obsolete entries and keep their
placeholders (as python-holidays' tests/test_l10n.py does)."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from calendar_service.i18n import LANGUAGES, catalog_path

PACKAGE = Path(__file__).resolve().parent.parent / "calendar_service"
KEYWORDS = {"N_": None, "gettext": None, "ngettext": (1, 2)}

# Translations that use other arguments the code also passes (documented there).
ALTERNATE_PLACEHOLDERS = {
    "{day_ordinal} day of the {month_ordinal} lunar month": {"day", "month"},
    "{ordinal} anniversary of {title} ({origin} – {date})": {"n"},
    "{ordinal} anniversary of {title} ({date})": {"n"},
}
METHODS = [("**.py", "python"), ("**/templates/**.html", "jinja2"), ("**/templates/**.txt", "jinja2")]
OPTIONS = {
    "**/templates/**.html": {"extensions": "jinja2.ext.i18n"},
    "**/templates/**.txt": {"extensions": "jinja2.ext.i18n"},
}


def placeholders(text: str) -> set[str]:
    """str.format fields ({name}) and, in templates, %(name)s fields."""
    names = set(re.findall(r"%\((\w+)\)s", text))
    return names | {name for _, name, _, _ in string.Formatter().parse(text.replace("%(", "%%(")) if name}


def extracted() -> set[str]:
    found = set()
    messages = extract_from_dir(
        PACKAGE, METHODS, options_map=OPTIONS, keywords={**KEYWORDS, "_": None}, comment_tags=()
    )
    for _, _, message, _, _ in messages:
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def catalog(lang):
    with catalog_path(lang).open("rb") as fp:
        return read_po(fp, locale=lang)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalog_has_every_message_and_no_obsolete_one(lang):
    ids = {m.id[0] if isinstance(m.id, tuple) else m.id for m in catalog(lang) if m.id}
    source = extracted()
    assert sorted(source - ids) == [], "missing: run scripts/update_catalogs and translate"
    assert sorted(ids - source) == [], "obsolete entries"
    assert not catalog(lang).obsolete


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_message_is_translated_and_keeps_its_placeholders(lang):
    for message in catalog(lang):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert all(strings), f"{lang}: untranslated {ids[0]!r}"
        assert not message.fuzzy, f"{lang}: fuzzy {ids[0]!r}"
        allowed = placeholders(ids[0]) | ALTERNATE_PLACEHOLDERS.get(ids[0], set())
        for text in strings:
            assert placeholders(text) <= allowed, f"{lang}: {text!r} uses unknown placeholders"
            if ids[0] not in ALTERNATE_PLACEHOLDERS:
                assert placeholders(text) == placeholders(ids[0]), f"{lang}: {text!r} drops a placeholder"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalog_passes_babel_checks(lang):
    problems = [(m.id, errors) for m, errors in catalog(lang).check()]
    assert problems == []
