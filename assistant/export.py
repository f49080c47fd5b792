"""Export answers and drafts: Markdown, and Word documents whose citations are real footnotes.

python-docx has no footnote API, so `FootnotedDocument` adds the footnotes part itself
(WordprocessingML `w:footnotes`, related from the document part) and places a
`w:footnoteReference` where each citation stood. Word, LibreOffice and python-docx open it.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from pathlib import Path

from docx import Document
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml import parse_xml
from docx.oxml.ns import qn
from docx.shared import Pt
from docx.text.paragraph import Paragraph

from assistant.types import CITATION_MARKER, Answer, Citation

ATTRIBUTION = (
    "Source: decisions of the Local Government and Social Care Ombudsman, "
    "https://www.lgo.org.uk/decisions. Quoted paragraphs are the Ombudsman's words."
)
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_FOOTNOTES_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
_EMPTY_FOOTNOTES = (
    f'<w:footnotes xmlns:w="{_W}">'
    '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>'
    '<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/>'
    "</w:r></w:p></w:footnote></w:footnotes>"
)


class FootnotedDocument:
    """A Word document where `[20 008 394 ¶29]` markers become numbered footnotes."""

    def __init__(self, citations: Sequence[Citation]) -> None:
        self.document = Document()
        self.document.styles["Normal"].font.size = Pt(11)
        self.citations = {c.place: c for c in citations}
        self._numbers: dict[tuple[str, int], int] = {}
        part = Part(
            PackURI("/word/footnotes.xml"),
            _FOOTNOTES_CT,
            _EMPTY_FOOTNOTES.encode(),
            self.document.part.package,
        )
        self.document.part.relate_to(part, RT.FOOTNOTES)
        self._part = part
        self._footnotes = parse_xml(part.blob)

    def heading(self, text: str, level: int = 1) -> None:
        self.document.add_heading(text, level=level)

    def paragraph(self, text: str, style: str | None = None) -> Paragraph:
        """Add text; each citation marker becomes a footnote reference at that point."""
        paragraph = self.document.add_paragraph(style=style)
        position = 0
        for match in CITATION_MARKER.finditer(text):
            paragraph.add_run(text[position : match.start()].rstrip(" "))
            self._footnote_reference(paragraph, (match.group(1), int(match.group(2))))
            position = match.end()
        paragraph.add_run(text[position:])
        return paragraph

    def _footnote_reference(self, paragraph: Paragraph, key: tuple[str, int]) -> None:
        if key not in self._numbers:
            self._numbers[key] = len(self._numbers) + 1
            self._add_footnote(self._numbers[key], self._footnote_text(key))
        run = paragraph.add_run()
        props = run._r.get_or_add_rPr()
        align = props.makeelement(qn("w:vertAlign"), {qn("w:val"): "superscript"})
        props.append(align)
        reference = run._r.makeelement(
            qn("w:footnoteReference"), {qn("w:id"): str(self._numbers[key])}
        )
        run._r.append(reference)

    def _footnote_text(self, key: tuple[str, int]) -> str:
        citation = self.citations.get(key)
        if citation is None:
            return f"LGSCO decision {key[0]}, paragraph {key[1]}."
        quote = citation.quote if len(citation.quote) <= 600 else citation.quote[:600] + " …"
        return (
            f"LGSCO decision {citation.ref}, paragraph {citation.paragraph} "
            f"({citation.section}): “{quote}” {citation.url}"
        )

    def _add_footnote(self, number: int, text: str) -> None:
        footnote = self._footnotes.makeelement(qn("w:footnote"), {qn("w:id"): str(number)})
        p = footnote.makeelement(qn("w:p"), {})
        mark = p.makeelement(qn("w:r"), {})
        props = mark.makeelement(qn("w:rPr"), {})
        props.append(props.makeelement(qn("w:vertAlign"), {qn("w:val"): "superscript"}))
        mark.append(props)
        mark.append(mark.makeelement(qn("w:footnoteRef"), {}))
        p.append(mark)
        body = p.makeelement(qn("w:r"), {})
        t = body.makeelement(qn("w:t"), {qn("xml:space"): "preserve"})
        t.text = f" {text}"
        body.append(t)
        p.append(body)
        footnote.append(p)
        self._footnotes.append(footnote)

    def save(self, path: Path) -> Path:
        from lxml import etree

        self._part._blob = etree.tostring(
            copy.deepcopy(self._footnotes), xml_declaration=True, encoding="UTF-8", standalone=True
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        self.document.save(str(path))
        return path


def answer_markdown(answer: Answer) -> str:
    lines = [f"**Question:** {answer.question}", "", answer.text, ""]
    if answer.filters and not answer.filters.is_empty():
        shown = ", ".join(
            f"{k}: {v}" for k, v in answer.filters.model_dump(mode="json").items() if v
        )
        lines += [f"*Filters: {shown}*", ""]
    if answer.citations:
        lines.append("**Citations**")
        lines.append("")
        for c in answer.citations:
            quote = " ".join(c.quote.split())
            lines.append(f"- {c.markdown_link()}: “{quote}”")
        lines.append("")
    lines.append(f"*{ATTRIBUTION}*")
    return "\n".join(lines) + "\n"


def answer_docx(answer: Answer, path: Path) -> Path:
    doc = FootnotedDocument(answer.citations)
    doc.heading("LGSCO Precedent Assistant: answer", 1)
    doc.paragraph(f"Question: {answer.question}")
    for block in answer.text.split("\n"):
        if block.strip():
            doc.paragraph(
                block.lstrip("- ").strip(), style="List Bullet" if block.startswith("- ") else None
            )
    doc.paragraph(ATTRIBUTION)
    return doc.save(path)
