"""Small pieces: file names, the chunk reader for servers that stream bodies."""

from __future__ import annotations

import io

import pytest

from learninghub.api import ProblemError
from learninghub_media.ingest import clean_filename
from learninghub_media.tus import BodyReader, parse_metadata


@pytest.mark.parametrize(
    "name",
    ["Lección 1.pdf", "résumé (final).docx", "صورة.png", "a..b.png", "x" * 255],
)
def test_names_people_use_are_kept(name):
    assert clean_filename(name) == name


@pytest.mark.parametrize(
    "name",
    [
        "",
        "   ",
        "..",
        "../a.png",
        "a/b.png",
        "a\\b.png",
        "x\x00.png",
        "line\nbreak.png",
        "tab\there.png",
        "rlo\u202egnp.exe",
        "zero\u200bwidth.png",
        "x" * 256,
    ],
)
def test_names_with_paths_or_control_characters_are_refused(name):
    with pytest.raises(ProblemError) as exc:
        clean_filename(name)
    assert exc.value.status == 400


class FakeRequest:
    def __init__(self, body: bytes, announced: int):
        self.body_file_raw = io.BytesIO(body)
        self.content_length = announced


def test_body_reader_keeps_what_arrived_before_a_disconnect():
    reader = BodyReader(FakeRequest(b"abcdef", 10), limit=10)
    assert reader.read() == b"abcdef" and reader.read() == b""
    assert reader.disconnected and reader.count == 6 and reader.head == b"abcdef"


def test_body_reader_refuses_more_than_the_upload_needs():
    reader = BodyReader(FakeRequest(b"abcdefghij", 10), limit=4)
    with pytest.raises(ProblemError) as exc:
        reader.read()
    assert exc.value.status == 413


def test_upload_metadata():
    assert parse_metadata("filename YS5wbmc=,is_public") == {"filename": "a.png", "is_public": ""}
    assert parse_metadata("") == {}
    for raw in ("filename a b c", "filename YQ==,filename YQ==", " , ", "filename %%%"):
        with pytest.raises(ProblemError):
            parse_metadata(raw)


def mp4(duration: int, timescale: int = 1000, version: int = 0, moov_last: bool = True) -> bytes:
    import struct

    def box(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I4s", 8 + len(payload), kind) + payload

    if version == 1:
        mvhd = bytes([1, 0, 0, 0]) + b"\0" * 16 + struct.pack(">IQ", timescale, duration)
    else:
        mvhd = bytes(4) + b"\0" * 8 + struct.pack(">II", timescale, duration)
    moov = box(b"moov", box(b"mvhd", mvhd + b"\0" * 80) + box(b"trak", b"\0" * 16))
    ftyp = box(b"ftyp", b"isom\0\0\2\0isomiso2mp41")
    mdat = box(b"mdat", b"\0" * 1000)
    return ftyp + (mdat + moov if moov_last else moov + mdat)


def test_durations_from_headers():
    from learninghub_media.probe import duration_s

    assert duration_s("video/mp4", io.BytesIO(mp4(90_000))) == 90
    assert duration_s("audio/mp4", io.BytesIO(mp4(5_400, 60, version=1, moov_last=False))) == 90
    assert duration_s("video/mp4", io.BytesIO(mp4(0, 0))) is None
    assert duration_s("video/mp4", io.BytesIO(b"\0\0\0\x18ftypmp42" + b"\xff" * 20)) is None
    assert duration_s("video/mp4", io.BytesIO(b"\0\0\0\x01ftyp")) is None
    assert duration_s("image/png", io.BytesIO(b"x")) is None


def test_uploaded_mp4_has_its_duration(tenant, user_factory, upload):
    r = upload(tenant, user_factory(tenant, "instructor"), "talk.mp4", mp4(125_000))
    assert r.status_int == 201 and r.json["content_type"] == "video/mp4"
    assert r.json["duration_s"] == 125 and r.json["kind"] == "video"
