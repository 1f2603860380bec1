"""A guidance document's text, from a .txt, .pdf or .docx file.

PDF text comes from pypdf, page by page; Word text from python-docx, with the
paragraphs and tables in their order and the footnotes at the end (provincial
guidance puts its anniversaries in footnotes). Every failure is one
DocumentError naming the file and what is wrong with it.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from pathlib import Path

from ..errors import DocumentError
from ..i18n import N_

SUFFIXES = (".txt", ".pdf", ".docx")
_WORD = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def read_text(path: Path) -> str:
    """The document's text as its file gives it (line breaks and all)."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise DocumentError(
            path,
            N_("unsupported file type '{suffix}' (use .txt, .pdf or .docx)"),
            suffix=suffix or path.name,
        )
    if not path.is_file():
        raise DocumentError(path, N_("no such file"))
    reader = {".txt": _plain, ".pdf": _pdf, ".docx": _docx}[suffix]
    text = reader(path)
    if not text.strip():
        raise DocumentError(path, N_("it contains no text (a scanned image needs OCR first)"))
    return text


def _plain(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise DocumentError(path, N_("it is not UTF-8 text")) from None
    except OSError as error:
        raise DocumentError(path, N_("cannot be read: {error}"), error=error.strerror or str(error)) from None


@contextlib.contextmanager
def _quiet(name: str) -> Iterator[None]:
    """Hold back a library's log warnings while it reads one file (pypdf logs
    each repair it makes to a damaged PDF); the reader gets one error or none."""
    logger = logging.getLogger(name)
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _pdf(path: Path) -> str:
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError

    try:
        with _quiet("pypdf"):
            reader = PdfReader(path)
            if reader.is_encrypted:
                reader.decrypt("")
            return "\n".join(page.extract_text() or "" for page in reader.pages)
    except FileNotDecryptedError:
        raise DocumentError(path, N_("the PDF is encrypted")) from None
    except Exception:  # pypdf raises many kinds of error on a damaged file
        raise DocumentError(path, N_("it is not a readable PDF file")) from None


def _docx(path: Path) -> str:
    import docx
    from docx.table import Table

    try:
        document = docx.Document(str(path))
        lines: list[str] = []
        for block in document.iter_inner_content():
            if isinstance(block, Table):
                lines.extend(cell.text for row in block.rows for cell in row.cells)
            else:
                lines.append(block.text)
        return "\n".join([*lines, *_footnotes(document)])
    except Exception:  # a damaged package fails in zipfile, lxml or python-docx
        raise DocumentError(path, N_("it is not a readable Word (.docx) file")) from None


def _footnotes(document) -> list[str]:
    """The footnotes' text, each as a line "N text" (python-docx does not read them)."""
    for part in document.part.package.iter_parts():
        if str(part.partname) == "/word/footnotes.xml":
            from lxml import etree

            root = etree.fromstring(part.blob)
            notes = []
            for note in root.iter(f"{_WORD}footnote"):
                ident = note.get(f"{_WORD}id", "")
                if not ident.isdigit() or int(ident) < 1:
                    continue  # the separator and continuation "footnotes"
                text = "".join(node.text or "" for node in note.iter(f"{_WORD}t"))
                if text.strip():
                    notes.append(f"{ident} {text.strip()}")
            return notes
    return []
