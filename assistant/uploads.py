"""Uploaded Word files are checked before anything reads them whole.

A .docx is a zip archive: a few hundred kilobytes can unpack to gigabytes (a "zip bomb").
So the archive's directory is read first (the sizes it declares), then every member is
unpacked in small pieces and counted, stopping at the limit: a member whose declared size is
a lie is caught by the count, not trusted. Only then does python-docx open the file.
"""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

from assistant.errors import InputError

CHUNK = 64 * 1024
MAX_MEMBERS = 1000  # a complaint letter has a few dozen parts


def check_docx(path: Path, max_unpacked: int, what: str = "complaint") -> None:
    """Refuse a .docx that is not a zip archive, has too many parts, or unpacks to more than
    `max_unpacked` bytes, reading at most `max_unpacked` bytes of it."""
    too_big = (
        f"The {what} file {path} unpacks to more than {max_unpacked:,} bytes; "
        "a Word complaint letter is far smaller (set LGSCO_UI__MAX_UPLOAD_UNPACKED_BYTES "
        "to change the limit)."
    )
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            if len(members) > MAX_MEMBERS:
                raise InputError(
                    f"The {what} file {path} holds {len(members):,} parts; a Word "
                    f"document has far fewer (the limit is {MAX_MEMBERS:,})."
                )
            if sum(m.file_size for m in members) > max_unpacked:
                raise InputError(too_big)
            unpacked = 0
            for member in members:
                with archive.open(member) as stream:
                    while chunk := stream.read(CHUNK):
                        unpacked += len(chunk)
                        if unpacked > max_unpacked:
                            raise InputError(too_big)
    except InputError:
        raise
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        zlib.error,
        NotImplementedError,
        EOFError,
    ) as exc:
        raise InputError(f"{path} is not a readable Word document: {exc}") from None
