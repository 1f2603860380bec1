"""Every item a document names, in the order the document names them."""

from __future__ import annotations

from . import anniversaries, documents, partners
from .items import Item
from .joining import Text


def find(text: Text, year: int | None) -> list[Item]:
    found = anniversaries.find(text, year)
    taken = [span for _, span in found]
    found += partners.partners(text, year, taken)
    found += partners.counts(text, year)
    found += documents.find(text, year)
    return [item for item, _ in sorted(found, key=lambda pair: (pair[0].position, pair[0].kind))]
