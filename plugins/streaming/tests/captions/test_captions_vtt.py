"""Parsing, conversion, sanitising and validation of caption files (no database)."""

from __future__ import annotations

import pytest

from learninghub_streaming.captions import vtt
from learninghub_streaming.captions.services import normalize_language


def problems(text, duration_s=None, fmt=None):
    with pytest.raises((vtt.ValidationFailed, vtt.CaptionFileError)) as info:
        vtt.to_webvtt(text, duration_s, fmt)
    exc = info.value
    found = exc.problems if isinstance(exc, vtt.ValidationFailed) else [exc]
    return [(p.line, p.message) for p in found]


def test_srt_with_bom_commas_and_multiline_cues_becomes_webvtt():
    srt = (
        b"\xef\xbb\xbf1\r\n00:00:01,000 --> 00:00:02,500\r\nHello\r\nsecond line\r\n\r\n"
        b"2\r\n01:02:03,040 --> 01:02:04,000\r\nBye\r\n"
    )
    assert vtt.to_webvtt(srt, None) == (
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.500\nHello\nsecond line\n\n"
        "01:02:03.040 --> 01:02:04.000\nBye\n"
    )


def test_webvtt_keeps_identifiers_out_and_skips_notes_and_header_lines():
    text = (
        "WEBVTT - a title\nKind: captions\n\nNOTE written by hand\n\n"
        "intro\n00:01.000 --> 00:02.000 align:start\n<v Anna>Hi</v>\n"
    )
    assert vtt.to_webvtt(text, 10) == "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Anna>Hi</v>\n"


def test_sanitize_keeps_webvtt_markup_and_drops_html():
    dirty = '<b>bold</b> <c.yellow>c</c> <00:00:01.500>x <script>alert(1)</script><img src=x onerror=y> a<b & c <a href="j">l</a>'
    assert vtt.sanitize(dirty) == "<b>bold</b> <c.yellow>c</c> <00:00:01.500>x  a&lt;b &amp; c l"
    assert vtt.sanitize("a --> b") == "a --&gt; b"


@pytest.mark.parametrize(
    "text,duration,expected",
    [
        ("1\n00:00:01,000 --> 00:00:02,000\nA\n", None, None),  # valid (sanity)
        (
            "WEBVT\n\n00:00:01.000 --> 00:00:02.000\nA\n",
            None,
            [(1, 'a WebVTT file starts with the line "WEBVTT"')],
        ),
        (
            "WEBVTT\n\n00:00:01 --> 00:00:02.000\nA\n",
            None,
            [
                (
                    3,
                    'expected a timing line like 00:00:01.000 --> 00:00:04.000, got "00:00:01 --> 00:00:02.000"',
                )
            ],
        ),
        (
            "1\n00:00:01,000 --> 00:00:02,000\nA\n\nB\n00:00:03,000 --> 00:00:04,000\nC\n",
            None,
            [(5, 'expected a cue number, got "B"')],
        ),
        (
            "WEBVTT\n\n00:00:05.000 --> 00:00:04.000\nA\n",
            None,
            [(3, "the cue ends (00:00:04.000) before or when it starts (00:00:05.000)")],
        ),
        (
            "WEBVTT\n\n00:00:05.000 --> 00:00:06.000\nA\n\n00:00:01.000 --> 00:00:02.000\nB\n",
            None,
            [
                (
                    6,
                    "the cue starts (00:00:01.000) before the previous one (00:00:05.000): cues must be in time order",
                )
            ],
        ),
        (
            "1\n00:00:01,000 --> 00:00:02,000\nA\n\n2\n00:00:09,000 --> 00:00:12,000\nB\n",
            10,
            [(6, "the cue ends (00:00:12.000) after the end of the media (00:00:10.000)")],
        ),
        (
            "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<script>x</script>\n",
            None,
            [(3, "the cue has no text")],
        ),
        ("WEBVTT\n\nNOTE nothing\n", None, [(None, "the file has no cues")]),
        (b"WEBVTT\n\n\xff\xfe", None, [(None, "the file is not UTF-8 text")]),
        ("WEBVTT\n" + "x" * vtt.MAX_BYTES, None, [(None, "the file is larger than 512 KiB")]),
    ],
)
def test_every_rule_names_its_line(text, duration, expected):
    if expected is None:
        assert vtt.to_webvtt(text, duration).startswith("WEBVTT\n\n00:00:01.000")
    else:
        assert problems(text, duration) == expected


def test_every_problem_is_reported_not_only_the_first():
    text = "WEBVTT\n\n00:00:03.000 --> 00:00:02.000\nA\n\n00:00:01.000 --> 00:00:20.000\nB\n"
    assert [line for line, _ in problems(text, 10)] == [3, 6, 6]


@pytest.mark.parametrize(
    "tag,expected", [("en", "en"), ("pt-br", "pt-BR"), ("zh-Hant-TW", "zh-Hant-TW")]
)
def test_language_tags_are_normalised(tag, expected):
    assert normalize_language(tag) == expected


@pytest.mark.parametrize("tag", ["xx", "en_US", "english", ""])
def test_bad_language_tags_are_refused(tag):
    with pytest.raises(ValueError):
        normalize_language(tag)
