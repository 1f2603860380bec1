"""The command's output: a table, JSON or YAML stubs; written to standard
output, or to a new file (an existing file is never replaced)."""

from __future__ import annotations

from pathlib import Path

from ..errors import UsageError
from ..i18n import N_, Language
from ..model import LunarRule, Registry, SolarDate
from ..registry.report import to_json
from .items import Extraction, Finding
from .stubs import stubs
from .table import conflict_text, extraction_text, status_text

FORMATS = ("text", "json", "yaml")


def finding_dict(finding: Finding, lang: Language) -> dict[str, object]:
    item, match = finding.item, finding.match
    origin = item.origin
    return {
        "kind": item.kind.value,
        "title": item.title,
        "quote": item.quote,
        "date": origin.iso() if isinstance(origin, SolarDate) else None,
        "lunar": {"month": origin.month, "day": origin.day} if isinstance(origin, LunarRule) else None,
        "precision": origin.precision.value if origin is not None else None,
        "origin_year": item.origin_year,
        "n": item.n,
        "n_stated": item.n_stated,
        "year": item.year,
        "category": item.category,
        "observance": item.observance.value,
        "country": item.country,
        "count": item.count,
        "number": item.number,
        "registry": {
            "status": match.status.value,
            "entry": match.entry,
            "matched_by": match.by,
            "cited": match.cited,
            "registry_value": match.registry_value,
            "document_value": match.document_value,
            "resolution": (
                {"date": match.resolution.date.iso(), "reason": match.resolution.reason.get(lang)}
                if match.resolution
                else None
            ),
            "text": conflict_text(finding, lang) if match.document_value else status_text(match, lang),
        },
    }


def extraction_json(extraction: Extraction, lang: Language) -> str:
    statuses = [f.match.status.value for f in extraction.findings]
    return to_json(
        {
            "document": {
                "path": extraction.path,
                "registry_document": extraction.document,
                "year": extraction.year,
                "year_basis": extraction.year_basis,
            },
            "items": [finding_dict(f, lang) for f in extraction.findings],
            "summary": {
                "items": len(statuses),
                **{status: statuses.count(status) for status in ("known", "new", "conflict")},
            },
        }
    )


def render(extraction: Extraction, fmt: str, registry: Registry, lang: Language) -> str:
    if fmt == "json":
        return extraction_json(extraction, lang)
    if fmt == "yaml":
        return stubs(extraction, registry, lang)
    return extraction_text(extraction, lang)


def write_new(path: Path, text: str, option: str) -> None:
    """Write ``text`` to ``path``, which must not exist yet."""
    try:
        with path.open("x", encoding="utf-8") as out:
            out.write(text)
    except FileExistsError:
        raise UsageError(
            N_("{option}: '{path}' already exists; nothing was written"), option=option, path=path
        ) from None
    except OSError as error:
        raise UsageError(
            N_("{option}: cannot write '{path}': {reason}"),
            option=option,
            path=path,
            reason=error.strerror or error,
        ) from None


def run(
    document: Path,
    registry: Registry,
    fmt: str,
    lang: Language,
    year: int | None = None,
    out: Path | None = None,
    save_text: Path | None = None,
) -> str | None:
    """What ``calendar-service extract`` does: the output to print, or None
    when it went to ``out``. ``save_text`` also keeps the document's text,
    for a registry document's ``file:``. Both files must be new: nothing is
    written when either exists."""
    from .extraction import extract

    if year is not None and not 1000 <= year <= 2999:
        raise UsageError(N_("--year: expected a year from 1000 to 2999"))
    for path, option in ((out, "--out"), (save_text, "--save-text")):
        if path is not None and path.exists():
            raise UsageError(
                N_("{option}: '{path}' already exists; nothing was written"), option=option, path=path
            )
    extraction = extract(document, registry, year)
    text = render(extraction, fmt, registry, lang)
    if save_text is not None:
        write_new(save_text, extraction.text, "--save-text")
    if out is None:
        return text
    write_new(out, text, "--out")
    return None
