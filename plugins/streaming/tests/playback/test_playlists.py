"""The playlist and WebVTT rewriting, on texts (the HTTP tests cover them served)."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

from learninghub_streaming.playback import mpegts, playlists

MASTER = (
    "#EXTM3U\n#EXT-X-VERSION:6\n"
    '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="group_audio",NAME="audio_0",URI="audio/index.m3u8"\n'
    '#EXT-X-STREAM-INF:BANDWIDTH=140800,CODECS="mp4a.40.2",AUDIO="group_audio"\n'
    "audio/index.m3u8\n\n"
    '#EXT-X-STREAM-INF:BANDWIDTH=1020800,RESOLUTION=640x360,AUDIO="group_audio"\n'
    "360p/index.m3u8\n"
)


def _caption(language="en", label=""):
    return SimpleNamespace(id=uuid.uuid4(), language=language, label=label)


def test_master_without_tracks_is_unchanged():
    assert playlists.rewrite_master(MASTER, [], lambda c: c.label) == MASTER


def test_master_gets_one_rendition_per_track_before_the_variants():
    tracks = [_caption("en", "English"), _caption("pt-BR", "Português")]
    text = playlists.rewrite_master(MASTER, tracks, lambda c: c.label)
    lines = text.splitlines()
    media = [i for i, line in enumerate(lines) if "TYPE=SUBTITLES" in line]
    variants = [i for i, line in enumerate(lines) if line.startswith("#EXT-X-STREAM-INF")]
    assert len(media) == 2 and max(media) < min(variants)
    assert 'LANGUAGE="pt-BR"' in lines[media[1]] and 'NAME="Português"' in lines[media[1]]
    assert all(lines[i].endswith(',SUBTITLES="subs"') for i in variants)
    # the audio rendition line is kept as it was
    assert lines[2].startswith("#EXT-X-MEDIA:TYPE=AUDIO")


def test_attribute_text_cannot_break_out_of_its_quotes():
    assert playlists.attribute_text('a"b\nc\rd\x00e') == "a'b c d e"
    assert playlists.attribute_text("  ") == "-"


def test_media_playlist_key_uri_is_replaced_and_the_iv_kept():
    text = (
        '#EXTM3U\n#EXT-X-KEY:METHOD=AES-128,URI="streaming-key",IV=0x00000000000000000000000000000000\n'
        "#EXTINF:2.0,\nseg_00000.ts\n"
    )
    out = playlists.rewrite_media(text, "/streaming/keys/s?scope=manage&exp=1&t=abc")
    assert 'URI="/streaming/keys/s?scope=manage&exp=1&t=abc",IV=0x' in out
    assert "streaming-key" not in out and "seg_00000.ts" in out


def test_subtitle_playlist_target_duration_is_the_ceiling():
    text = playlists.subtitle_playlist("abc", 61.2)
    assert "#EXT-X-TARGETDURATION:62" in text and "#EXTINF:61.200," in text
    assert text.splitlines()[-2:] == ["abc.vtt", "#EXT-X-ENDLIST"]


def test_timed_vtt_puts_the_map_in_the_header():
    out = playlists.timed_vtt("\ufeffWEBVTT\r\n\r\n00:00.000 --> 00:01.000\r\nHi\r\n", 126000)
    assert out.splitlines()[:3] == [
        "WEBVTT",
        "X-TIMESTAMP-MAP=MPEGTS:126000,LOCAL:00:00:00.000",
        "",
    ]
    assert "Hi" in out and "\r" not in out


def test_timed_vtt_replaces_a_map_of_the_header_only():
    vtt = (
        "WEBVTT - title\nX-TIMESTAMP-MAP=MPEGTS:1,LOCAL:00:00:00.000\nKind: captions\n\n"
        "00:00.000 --> 00:01.000\nX-TIMESTAMP-MAP=MPEGTS:5 is cue text\n"
    )
    lines = playlists.timed_vtt(vtt, 90000).splitlines()
    assert lines[:3] == [
        "WEBVTT - title",
        "X-TIMESTAMP-MAP=MPEGTS:90000,LOCAL:00:00:00.000",
        "Kind: captions",
    ]
    assert "X-TIMESTAMP-MAP=MPEGTS:5 is cue text" in lines


def test_first_segment_iv_from_the_key_tag_or_the_sequence():
    with_iv = (
        '#EXT-X-MEDIA-SEQUENCE:7\n#EXT-X-KEY:METHOD=AES-128,URI="k",IV=0x0A\n#EXTINF:2,\ns.ts\n'
    )
    segment = mpegts.first_segment(with_iv)
    assert segment.uri == "s.ts" and segment.iv == (10).to_bytes(16, "big")
    without = '#EXT-X-MEDIA-SEQUENCE:7\n#EXT-X-KEY:METHOD=AES-128,URI="k"\n#EXTINF:2,\ns.ts\n'
    assert mpegts.first_segment(without).iv == (7).to_bytes(16, "big")
    assert mpegts.first_segment("#EXTM3U\n") is None


def test_first_pts_prefers_video_and_falls_back_to_audio():
    def pes_packet(stream_id: int, pts: int) -> bytes:
        stamp = bytes(
            [
                0x21 | ((pts >> 29) & 0x0E),
                (pts >> 22) & 0xFF,
                ((pts >> 14) & 0xFE) | 1,
                (pts >> 7) & 0xFF,
                ((pts << 1) & 0xFE) | 1,
            ]
        )
        pes = b"\x00\x00\x01" + bytes([stream_id, 0, 0, 0x80, 0x80, 5]) + stamp
        packet = bytes([0x47, 0x41, 0x00, 0x10]) + pes
        return packet + b"\xff" * (188 - len(packet))

    audio, video = pes_packet(0xC0, 126000), pes_packet(0xE0, 133500)
    assert mpegts.first_pts(audio + video) == 133500
    assert mpegts.first_pts(audio) == 126000
    assert mpegts.first_pts(b"\x47" + b"\x00" * 187) is None
    assert mpegts.is_transport_stream(audio + video)
    assert not mpegts.is_transport_stream(audio[:-1])
