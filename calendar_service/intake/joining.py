"""The document's text normalised as the registry checks quotes, and joined
where PDF extraction broke it.

Text taken from PDFs breaks lines mid-phrase ("Kỷ niệm 70" / "năm Chiến thắng")
and after hyphens ("57-" / "KL/TW", "kinh tế-" / "xã hội"). ``normal`` is the
registry's own ``normalise`` of the text (NFC, whitespace runs as one space):
every quote is cut from it, so it passes the registry's quote check.
``join(raw).normal == registry.checks.normalise(raw)`` (a property test
holds it to that). ``joined`` also closes up a hyphen that ended a line (Vietnamese does not split
syllables, so such a hyphen is a real one: "57-KL/TW") and drops soft hyphens;
the patterns run on it, and ``to_normal`` maps its positions back.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

_HYPHENS = ("-", "\u2010", "\u2011")
_SOFT_HYPHEN = "\u00ad"


@dataclass(frozen=True)
class Text:
    normal: str
    joined: str
    to_normal: tuple[int, ...]  # index in ``joined`` -> index in ``normal`` (one extra at the end)

    def quote(self, start: int, end: int) -> str:
        """The words of ``joined[start:end]`` as the document writes them."""
        if end <= start:
            return ""
        return self.normal[self.to_normal[start] : self.to_normal[end - 1] + 1].strip()


def join(raw: str) -> Text:
    text = unicodedata.normalize("NFC", raw)
    tokens = list(re.finditer(r"\S+", text))
    normal_parts: list[str] = []
    joined: list[str] = []
    mapping: list[int] = []
    position = 0  # length of the normal text so far
    for index, token in enumerate(tokens):
        word = token.group()
        if index:
            gap = text[tokens[index - 1].end() : token.start()]
            previous = tokens[index - 1].group()
            broken = "\n" in gap and len(previous) > 1 and word[0].isalnum()
            if not (broken and previous.endswith((*_HYPHENS, _SOFT_HYPHEN))):
                joined.append(" ")
                mapping.append(position)
            normal_parts.append(" ")
            position += 1
        for offset, char in enumerate(word):
            if char != _SOFT_HYPHEN:
                joined.append(char)
                mapping.append(position + offset)
        normal_parts.append(word)
        position += len(word)
    mapping.append(position)
    return Text("".join(normal_parts), "".join(joined), tuple(mapping))
