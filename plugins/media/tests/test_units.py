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
