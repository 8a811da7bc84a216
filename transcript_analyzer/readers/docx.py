"""Word documents: role-plays typed up as `Name: text` paragraphs, or a two-column table."""

from __future__ import annotations

import io
import zipfile

from ..errors import TranscriptReadError
from ..model import Transcript
from .plaintext import parse_lines


def read_docx(data: bytes, source: str, transcript_id: str) -> list[Transcript]:
    import docx  # python-docx; imported here so other formats do not pay for it

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise TranscriptReadError(
            source, f"this is not a readable Word .docx file ({exc})"
        ) from None
    lines: list[tuple[int, str]] = [
        (number, paragraph.text)
        for number, paragraph in enumerate(document.paragraphs, start=1)
    ]
    offset = len(lines)
    for table in document.tables:
        for row in table.rows:
            cells = [cell.text.strip() for cell in row.cells]
            if len(cells) >= 2 and cells[0] and cells[1]:
                offset += 1
                lines.append((offset, f"{cells[0]}: {' '.join(cells[1:])}"))
    transcript = parse_lines(lines, source, transcript_id, "docx")
    return [transcript]
