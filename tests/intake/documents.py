"""Copies of a text as the files guidance documents come in: a PDF written
with fpdf2 in the DejaVu font of Debian's fonts-dejavu-core, and a Word file
written with python-docx with a real footnotes part."""

from __future__ import annotations

import zipfile
from pathlib import Path

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def write_pdf(text: str, path: Path, font_size: int = 11) -> Path:
    """A PDF of ``text``, one paragraph per line, wrapped to the page width
    (so lines break where the .txt does not)."""
    from fpdf import FPDF

    assert DEJAVU.exists(), "install Debian's fonts-dejavu-core (scripts/test does)"
    pdf = FPDF()
    pdf.add_font("DejaVu", fname=str(DEJAVU))
    pdf.set_font("DejaVu", size=font_size)
    pdf.add_page()
    for line in text.split("\n"):
        pdf.multi_cell(0, 6, line.rstrip() or " ", new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))
    return path


def write_docx(text: str, path: Path, footnotes: tuple[str, ...] = ()) -> Path:
    """A Word file of ``text``, one paragraph per line; ``footnotes`` go into a
    real footnotes part, referenced from the last paragraph (python-docx
    cannot write footnotes, so the part is added to the package by hand)."""
    import docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    document = docx.Document()
    paragraph = None
    for line in text.split("\n"):
        paragraph = document.add_paragraph(line)
    for number in range(1, len(footnotes) + 1):
        reference = OxmlElement("w:footnoteReference")
        reference.set(qn("w:id"), str(number))
        paragraph.add_run()._r.append(reference)
    document.save(str(path))
    if footnotes:
        _add_footnotes(path, footnotes)
    return path


def _add_footnotes(path: Path, footnotes: tuple[str, ...]) -> None:
    from xml.sax.saxutils import escape

    notes = "".join(
        f'<w:footnote w:id="{number}"><w:p><w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r></w:p></w:footnote>'
        for number, text in enumerate(footnotes, 1)
    )
    part = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        f'<w:footnotes xmlns:w="{_W}">'
        '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
        '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/></w:r></w:p></w:footnote>'
        f"{notes}</w:footnotes>"
    )
    with zipfile.ZipFile(path) as source:
        files = {name: source.read(name) for name in source.namelist()}
    files["word/footnotes.xml"] = part.encode("utf-8")
    files["[Content_Types].xml"] = files["[Content_Types].xml"].replace(
        b"</Types>",
        b'<Override PartName="/word/footnotes.xml" ContentType="application/'
        b'vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"/></Types>',
    )
    files["word/_rels/document.xml.rels"] = files["word/_rels/document.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="rIdFootnotes" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/footnotes" Target="footnotes.xml"/></Relationships>',
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in files.items():
            target.writestr(name, data)
