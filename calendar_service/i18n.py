"""Message catalogs: every user-visible string goes through ``gettext``.

Catalogs live in ``calendar_service/locale/<lang>/LC_MESSAGES/messages.po``.
Babel compiles them (to ``.mo``) when they are first needed, so a source
checkout and an installed package behave the same; ``tests/test_l10n.py``
checks that every catalog is complete and keeps its placeholders.
"""

from __future__ import annotations

import functools
import io
from enum import StrEnum
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations


class Language(StrEnum):
    """A language the service speaks: catalogs, titles and feeds exist for each."""

    VI = "vi"
    EN = "en"


LANGUAGES: tuple[Language, ...] = tuple(Language)
DEFAULT_LANGUAGE = Language.VI
LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "messages"


def catalog_path(lang: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@functools.cache
def translations(lang: str) -> NullTranslations:
    path = catalog_path(lang)
    if lang not in LANGUAGES or not path.exists():
        return NullTranslations()
    with path.open("rb") as fp:
        catalog = read_po(fp, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


def gettext(message: str, lang: str = DEFAULT_LANGUAGE) -> str:
    return translations(lang).gettext(message)


def ngettext(singular: str, plural: str, n: int, lang: str = DEFAULT_LANGUAGE) -> str:
    return translations(lang).ngettext(singular, plural, n)


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet."""
    return message


class Msg(str):
    """A message id carried as a parameter and translated when rendered."""
