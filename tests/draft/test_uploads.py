"""Uploaded .docx files are checked before they are read whole (finding 3: a 368 KB upload
unpacking to 114 MB of XML took 240 s and 2.6 GB): zip bombs, declared sizes that lie,
archives of many parts, and files that are not zips at all are refused with a message."""

from __future__ import annotations

import time
import zipfile
from pathlib import Path

import docx
import pytest

from assistant.draft import read_text_file
from assistant.errors import InputError
from assistant.uploads import MAX_MEMBERS, check_docx

XML_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
    b"<w:body>"
)
PARAGRAPH = b"<w:p><w:r><w:t>" + b"a" * 990 + b"</w:t></w:r></w:p>"


def complaint_docx(path: Path, text: str = "The council refused stage two.") -> Path:
    document = docx.Document()
    document.add_paragraph(text)
    document.save(str(path))
    return path


def zip_bomb(path: Path, megabytes: int) -> Path:
    """A real Word document whose body is `megabytes` MB of XML, written in 1 MB pieces."""
    source = complaint_docx(path.with_name("source.docx"))
    with (
        zipfile.ZipFile(source) as original,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bomb,
    ):
        for item in original.infolist():
            if item.filename != "word/document.xml":
                bomb.writestr(item, original.read(item))
        with bomb.open("word/document.xml", "w", force_zip64=True) as body:
            body.write(XML_HEAD)
            for _ in range(megabytes):
                body.write(PARAGRAPH * 1000)
            body.write(b"</w:body></w:document>")
    return path


def test_a_zip_bomb_is_refused_quickly_from_its_directory(tmp_path: Path) -> None:
    bomb = zip_bomb(tmp_path / "bomb.docx", 114)
    assert bomb.stat().st_size < 1_000_000  # passes the upload size limit
    started = time.perf_counter()
    with pytest.raises(InputError, match=r"bomb\.docx unpacks to more than 10,000,000 bytes"):
        read_text_file(bomb, 2_000_000, max_unpacked=10_000_000)
    assert time.perf_counter() - started < 2.0


def test_a_member_whose_declared_size_lies_is_caught_by_the_count(tmp_path: Path) -> None:
    """The directory says 1,000 bytes; the data unpacks to 5 MB. Reading stops at the
    declared size and the check fails; nothing near 5 MB is read."""
    liar = tmp_path / "liar.docx"
    body = XML_HEAD + PARAGRAPH * 5000 + b"</w:body></w:document>"
    with zipfile.ZipFile(liar, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", body)
    real = len(body).to_bytes(4, "little")
    raw = liar.read_bytes()
    assert raw.count(real) == 2  # the local header and the central directory
    liar.write_bytes(raw.replace(real, (1000).to_bytes(4, "little")))
    with zipfile.ZipFile(liar) as archive:
        assert archive.getinfo("word/document.xml").file_size == 1000
    with pytest.raises(InputError, match="not a readable Word document"):
        check_docx(liar, 10_000_000)


def test_too_many_parts_and_not_a_zip_are_refused(tmp_path: Path) -> None:
    many = tmp_path / "many.docx"
    with zipfile.ZipFile(many, "w") as archive:
        for n in range(MAX_MEMBERS + 1):
            archive.writestr(f"word/part{n}.xml", b"<x/>")
    with pytest.raises(InputError, match=r"holds 1,001 parts"):
        check_docx(many, 10_000_000)
    text = tmp_path / "letter.docx"
    text.write_text("Dear council, this is plain text with a .docx name.")
    with pytest.raises(InputError, match=r"letter\.docx is not a readable Word document"):
        read_text_file(text, 2_000_000)


def test_an_ordinary_word_complaint_is_read(tmp_path: Path) -> None:
    path = complaint_docx(tmp_path / "complaint.docx", "The council never replied at stage one.")
    assert read_text_file(path, 2_000_000) == "The council never replied at stage one."
