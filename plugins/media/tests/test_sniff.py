"""Content sniffing: magic numbers decide, names never do."""

from __future__ import annotations

import io
import zipfile

import pytest

from learninghub_media.sniff import DEFAULT_ALLOWED, RISKY_TYPES, sniff


def zip_bytes(entries: dict[str, bytes], stored_first: str | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        if stored_first:
            archive.writestr(
                zipfile.ZipInfo("mimetype"), stored_first, compress_type=zipfile.ZIP_STORED
            )
        for name, data in entries.items():
            archive.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def sniff_bytes(data: bytes) -> str:
    return sniff(data[:4096], io.BytesIO(data))


@pytest.mark.parametrize(
    "data, expected",
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\0" * 20, "image/png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "image/jpeg"),
        (b"GIF89a\x01\x00\x01\x00", "image/gif"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", "audio/wav"),
        (b"%PDF-1.7\n", "application/pdf"),
        (b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00", "video/mp4"),
        (b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00", "video/mp4"),
        (b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00", "audio/mp4"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm", "video/webm"),
        (b"\x1a\x45\xdf\xa3\xa3\x42\x86\x81\x01\x42\x82\x88matroska", "video/x-matroska"),
        (b"ID3\x04\x00\x00\x00\x00\x00\x00", "audio/mpeg"),
        (b"\xff\xfb\x90\x64\x00\x00\x00\x00", "audio/mpeg"),
        (b"\xff\xf1\x50\x80\x02\x1f\xfc", "audio/aac"),
        (b"OggS\x00\x02\x00\x00", "audio/ogg"),
        (b"fLaC\x00\x00\x00\x22", "audio/flac"),
        (b"WEBVTT\n\n00:00.000 --> 00:01.000\nHello\n", "text/vtt"),
        (b"Plain notes\nline two\n", "text/plain"),
        ("Notas en español: ñandú".encode(), "text/plain"),
        (b"  <!DOCTYPE html><html></html>", "text/html"),
        (b"<p>hi</p><script>alert(1)</script>", "text/html"),
        (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', "image/svg+xml"),
        (b'<?xml version="1.0"?><note/>', "application/xml"),
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00", "application/octet-stream"),
        (b"\x7fELF\x02\x01\x01\x00", "application/octet-stream"),
    ],
)
def test_magic_numbers(data, expected):
    assert sniff_bytes(data) == expected


def test_office_documents_are_told_apart_from_plain_zips():
    docx = zip_bytes({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w/>"})
    xlsx = zip_bytes({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<x/>"})
    pptx = zip_bytes({"[Content_Types].xml": b"<Types/>", "ppt/presentation.xml": b"<p/>"})
    odt = zip_bytes(
        {"content.xml": b"<o/>"}, stored_first=b"application/vnd.oasis.opendocument.text"
    )
    epub = zip_bytes({"content.opf": b"<o/>"}, stored_first=b"application/epub+zip")
    plain = zip_bytes({"evil.html": b"<script>"})
    assert sniff_bytes(docx).endswith("wordprocessingml.document")
    assert sniff_bytes(xlsx).endswith("spreadsheetml.sheet")
    assert sniff_bytes(pptx).endswith("presentationml.presentation")
    assert sniff_bytes(odt) == "application/vnd.oasis.opendocument.text"
    assert sniff_bytes(epub) == "application/epub+zip"
    assert sniff_bytes(plain) == "application/zip"
    assert sniff_bytes(b"PK\x03\x04garbage") == "application/octet-stream"


def test_risky_types_are_not_allowed_by_default():
    assert not RISKY_TYPES & DEFAULT_ALLOWED
    assert {"image/png", "video/mp4", "audio/mpeg", "application/pdf"} <= DEFAULT_ALLOWED


def test_settings_refuse_unknown_types():
    from pydantic import ValidationError

    from learninghub_media.settings import MediaSettings

    with pytest.raises(ValidationError):
        MediaSettings(allowed_types=["image/png", "application/x-evil"])
    assert MediaSettings(allowed_types=["text/html"]).allowed_types == ["text/html"]
