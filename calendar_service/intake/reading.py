"""A guidance document's text, from a .txt, .pdf or .docx file.

PDF text comes from pypdf, page by page; Word text from python-docx, with the
paragraphs and tables in their order and the footnotes at the end (provincial
guidance puts its anniversaries in footnotes). Every failure is one
DocumentError naming the file and what is wrong with it.
"""

from __future__ import annotations

import logging
import zipfile
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


def _pdf(path: Path) -> str:
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    # pypdf logs what it repairs in a damaged file; the reader only needs the text.
    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        reader = PdfReader(path)
        if reader.is_encrypted:
            reader.decrypt("")
        return "\n".join(page.extract_text() or "" for page in reader.pages)
    except FileNotDecryptedError:
        raise DocumentError(path, N_("the PDF is encrypted")) from None
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError):
        raise DocumentError(path, N_("it is not a readable PDF file")) from None


def _docx(path: Path) -> str:
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.table import Table

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError):
        raise DocumentError(path, N_("it is not a readable Word (.docx) file")) from None
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            lines.extend(cell.text for row in block.rows for cell in row.cells)
        else:
            lines.append(block.text)
    return "\n".join([*lines, *_footnotes(document)])


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
