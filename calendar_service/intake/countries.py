"""Country names as Vietnamese documents write them, to ISO 3166 codes: CLDR's
Vietnamese and English names (through Babel) and the state forms before them
("Vương quốc Thụy Điển", "Cộng hòa Liên bang Brazil")."""

from __future__ import annotations

import functools
import re

from babel import Locale

from ..dates.anniversaries import fold
from ..registry.fields import COUNTRIES

# Names CLDR writes otherwise ("Congo - Brazzaville") or that documents shorten.
_ALIASES = {
    "congo": "CG",
    "dan chu congo": "CD",
    "my": "US",
    "hoa ky": "US",
    "nga": "RU",
    "lien bang nga": "RU",
    "a rap xe ut": "SA",
    "a rap saudi": "SA",
    "cong hoa sec": "CZ",
    "anh": "GB",
    "dong timo": "TL",
}
# Words of the state forms before a country's name (accent-folded).
STATE_FORMS = frozenset(
    {
        "vuong quoc",
        "cong hoa",
        "lien bang",
        "dan chu",
        "nhan dan",
        "xa hoi chu nghia",
        "hoi giao",
        "hop chung quoc",
        "nha nuoc",
        "dai cong quoc",
        "cong quoc",
        "thong nhat",
        "da dan toc",
        "quan dao",
        "doc lap",
    }
)
_WORD_LIMIT = 5
# Names of three letters or fewer once folded ("Đức", "Áo", "Anh", "Mỹ") are
# also common words ("đạo đức", "anh hùng", "mỹ tục"): they count only as
# written, capital and accents included.
_SHORT = 3


def folded(text: str) -> str:
    """Accent-folded words joined by single spaces (hyphens count as spaces)."""
    return " ".join(re.findall(r"\w+", fold(text).replace("_", " ")))


@functools.cache
def short_names() -> frozenset[str]:
    written = {name for code, name in Locale("vi").territories.items() if code in COUNTRIES}
    written |= {"Mỹ", "Anh", "Nga", "Lào"}
    return frozenset(name for name in written if len(folded(name)) <= _SHORT)


def _names_a_country(written: list[str], name: str) -> bool:
    if len(name) > _SHORT:
        return True
    return " ".join(w.strip(".,;:()“”\"'") for w in written) in short_names()


@functools.cache
def names() -> dict[str, str]:
    """Folded name -> ISO code, for every country but Việt Nam."""
    table: dict[str, str] = {}
    for lang in ("en", "vi"):
        for code, name in Locale(lang).territories.items():
            if code in COUNTRIES and code != "VN":
                table.setdefault(folded(name), code)
    for name, code in _ALIASES.items():
        table[name] = code
    return table


def vietnamese_name(code: str) -> str:
    return Locale("vi").territories.get(code, code)


def before(words: list[str]) -> tuple[str, int] | None:
    """The country whose name ends ``words`` (the words just before a bracket),
    with how many words its name and state form take; None if there is none."""
    table = names()
    for size in range(min(_WORD_LIMIT, len(words)), 0, -1):
        name = folded(" ".join(words[-size:]))
        if name in table and _names_a_country(words[-size:], name):
            code = table[name]
            taken = size
            while taken < len(words):
                for extra in (3, 2, 1):
                    form = folded(" ".join(words[-taken - extra : -taken]))
                    if taken + extra <= len(words) and form in STATE_FORMS:
                        taken += extra
                        break
                else:
                    break
            return code, taken
    return None


def named_in(text: str) -> str | None:
    """The first country (other than Việt Nam) a title names, longest name first."""
    written = text.split()
    table = names()
    for start in range(len(written)):
        for size in range(min(_WORD_LIMIT, len(written) - start), 0, -1):
            part = written[start : start + size]
            name = folded(" ".join(part))
            if name in table and _names_a_country(part, name):
                return table[name]
    return None
