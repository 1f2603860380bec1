"""One document read against the registry: ``extract`` is what the command runs."""

from __future__ import annotations

from pathlib import Path

from ..model import Registry
from ..registry.checks import normalise
from . import finding, guess, joining, matching, reading
from .items import Extraction, Finding


def registry_document(path: Path, normal: str, registry: Registry) -> str | None:
    """The id of the registry document this file is: the same file, or one
    whose text is the same once normalised (a .pdf or .docx copy of it)."""
    base = Path(registry.path).resolve().parent
    for document in registry.documents.values():
        source = document.path(base)  # relative to the registry file that defines it
        if source.resolve() == path.resolve():
            return document.id
    for document in registry.documents.values():
        try:
            if normalise(document.path(base).read_text(encoding="utf-8")) == normal:
                return document.id
        except (OSError, UnicodeDecodeError):
            continue
    return None


def extract(path: Path, registry: Registry, year: int | None = None) -> Extraction:
    raw = reading.read_text(path)
    text = joining.join(raw)
    document = registry_document(path, text.normal, registry)
    basis = "option"
    if year is None:
        year, basis = guess.document_year(text.joined)
    issued = registry.documents[document].date if document is not None else None
    if year is None and issued is not None:
        year, basis = issued.year, "registry"
    findings = tuple(
        Finding(item, matching.match(item, registry, document)) for item in finding.find(text, year)
    )
    return Extraction(str(path), document, year, basis, findings, raw)
