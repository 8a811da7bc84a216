"""Word documents: role-plays typed up as `Name: text` paragraphs, or a two-column table.

A .docx is a zip of XML parts. Before python-docx parses it, the zip directory is checked: the XML
parts must expand to no more than the file-size limit, so a small "zip bomb" cannot exhaust memory
(images are not counted; they are never decompressed). python-docx parses XML with entity
resolution off. Any failure inside python-docx on a damaged file becomes a readable error.
"""

from __future__ import annotations

import io
import zipfile

from ..errors import MalformedTranscriptError, WrongFormatError
from ..limits import DEFAULT_LIMITS, Limits
from ..model import Transcript
from .plaintext import parse_lines


def _check_zip(data: bytes, source: str, limits: Limits) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        hint = ""
        if not data.startswith(b"PK"):
            hint = ("; it is not a zip archive at all: if it is a text export, give it the right "
                    "extension (.txt, .csv, .vtt, ...) or pass --input-format")
        raise WrongFormatError(
            source, f"this is not a readable Word .docx file ({exc}){hint}"
        ) from None
    names = {info.filename for info in infos}
    if "word/document.xml" not in names:
        raise WrongFormatError(
            source, "this zip file is not a Word .docx document (it has no word/document.xml)"
        )
    expanded = sum(info.file_size for info in infos
                   if info.filename.endswith((".xml", ".rels")))
    limits.check_file_size(expanded, source, what="the Word document's text parts expand to")


def _text_parts_only(data: bytes) -> bytes:
    """The package with every part that is not XML emptied: python-docx reads every part into
    memory, and a 1 MB document can hold a 1 GB image. The parts stay (their relationships
    still resolve), so only their bytes are gone, which no transcript needs."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as archive, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as slim:
        for info in archive.infolist():
            text = info.filename.endswith((".xml", ".rels"))
            slim.writestr(info.filename, archive.read(info) if text else b"")
    return out.getvalue()


def read_docx(
    data: bytes, source: str, transcript_id: str, limits: Limits | None = None
) -> list[Transcript]:
    import docx  # python-docx; imported here so other formats do not pay for it

    _check_zip(data, source, limits or DEFAULT_LIMITS)
    try:
        document = docx.Document(io.BytesIO(_text_parts_only(data)))
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
    except Exception as exc:  # noqa: BLE001 - any parser failure on a damaged file
        reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise MalformedTranscriptError(
            source, f"this Word .docx file is damaged and cannot be read ({reason})"
        ) from None
    transcript = parse_lines(lines, source, transcript_id, "docx")
    given = _custom_properties(data, source)
    if given:
        transcript.metadata.update(given=given, given_via="docx")
    return [transcript]


_CUSTOM_PART = "docProps/custom.xml"


def _custom_properties(data: bytes, source: str) -> dict[str, tuple[str, str]]:
    """Supporter and session date from the document's custom properties (File > Properties >
    Custom in Word), named like the input fields (`supporter`, `session_date`).

    The core properties are not used: Word fills author and created with the account and time
    that made the file (a template's, for python-docx: "python-docx", 2013), not the session's.
    """
    from lxml import etree

    from .common import FIELD_SYNONYMS, canonical_header

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if _CUSTOM_PART not in archive.namelist():
                return {}
            xml = archive.read(_CUSTOM_PART)
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
        root = etree.fromstring(xml, parser)
    except (zipfile.BadZipFile, KeyError, OSError, etree.XMLSyntaxError, ValueError):
        return {}
    found: dict[str, tuple[str, str]] = {}
    for prop in root:
        name = canonical_header(prop.get("name") or "")
        value = "".join(prop.itertext()).strip()
        for field_name, key in (("supporter_name", "supporter"), ("session_date", "session_date")):
            if value and name in FIELD_SYNONYMS[field_name] and key not in found:
                found[key] = (value, f"{source} (document property {prop.get('name')!r})")
    return found
