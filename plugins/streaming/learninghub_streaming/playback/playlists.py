"""The playlists as served: the published ones rewritten, the subtitle ones generated.

* master: one ``#EXT-X-MEDIA:TYPE=SUBTITLES`` rendition per caption track (group
  ``subs``) before the first variant, and ``SUBTITLES="subs"`` on every
  ``#EXT-X-STREAM-INF``;
* media playlists: the key URI the transcode wrote on every key tag (``streaming-key``,
  :data:`ladder.KEY_URI_PLACEHOLDER`) becomes the key URL with a fresh token (each
  tag's IV stays as ffmpeg wrote it);
* ``subs/<caption id>.m3u8``: a VOD playlist of one segment, the whole WebVTT;
* ``subs/<caption id>.vtt``: the caption's WebVTT with ``X-TIMESTAMP-MAP`` after its
  ``WEBVTT`` line.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

from ..transcoding.ladder import KEY_URI_PLACEHOLDER

SUBTITLE_GROUP = "subs"
_KEY_URI = re.compile(r'(#EXT-X-KEY:[^\n]*?URI=")' + re.escape(KEY_URI_PLACEHOLDER) + '"')
_TIMESTAMP_MAP = re.compile(r"^X-TIMESTAMP-MAP=.*$\n?", re.M)


def attribute_text(value: str) -> str:
    """A quoted-string attribute value of a playlist tag: no double quote, no line
    break or other control character (RFC 8216 §4.2)."""
    cleaned = "".join(" " if ord(c) < 32 or ord(c) == 127 else c for c in value)
    return cleaned.replace('"', "'").strip() or "-"


def subtitle_media(captions: Sequence[Any], label_of) -> list[str]:
    """The ``#EXT-X-MEDIA`` lines of the caption tracks (the first is the default)."""
    lines = []
    for index, caption in enumerate(captions):
        lines.append(
            "#EXT-X-MEDIA:TYPE=SUBTITLES,"
            f'GROUP-ID="{SUBTITLE_GROUP}",'
            f'NAME="{attribute_text(label_of(caption))}",'
            f'LANGUAGE="{attribute_text(caption.language)}",'
            f"DEFAULT={'YES' if index == 0 else 'NO'},"
            "AUTOSELECT=YES,FORCED=NO,"
            f'URI="subs/{caption.id}.m3u8"'
        )
    return lines


def rewrite_master(text: str, captions: Sequence[Any], label_of) -> str:
    """The master playlist with the subtitle renditions (unchanged without tracks)."""
    if not captions:
        return text
    media = subtitle_media(captions, label_of)
    out: list[str] = []
    for line in text.splitlines():
        if line.startswith("#EXT-X-STREAM-INF:"):
            out.extend(media)
            media = []
            if "SUBTITLES=" not in line:
                line += f',SUBTITLES="{SUBTITLE_GROUP}"'
        out.append(line)
    return "\n".join(out) + "\n"


def rewrite_media(text: str, key_url: str) -> str:
    """The media playlist with the key URI pointing at ``key_url``."""
    return _KEY_URI.sub(lambda m: m.group(1) + key_url + '"', text)


def subtitle_playlist(caption_id, duration: float) -> str:
    """A VOD media playlist whose one segment is the whole WebVTT of the caption."""
    duration = max(float(duration or 0), 0.001)
    return "\n".join(
        [
            "#EXTM3U",
            "#EXT-X-VERSION:3",
            f"#EXT-X-TARGETDURATION:{max(1, math.ceil(duration))}",
            "#EXT-X-MEDIA-SEQUENCE:0",
            "#EXT-X-PLAYLIST-TYPE:VOD",
            f"#EXTINF:{duration:.3f},",
            f"{caption_id}.vtt",
            "#EXT-X-ENDLIST",
            "",
        ]
    )


def timed_vtt(vtt: str, first_pts: int) -> str:
    """The WebVTT with ``X-TIMESTAMP-MAP=MPEGTS:<first_pts>,LOCAL:00:00:00.000`` in its
    header (right after the ``WEBVTT`` line; a map already there is replaced), so that
    an HLS player lines the cues up with segments whose time stamps start at
    ``first_pts``."""
    text = vtt.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    first, _, rest = text.partition("\n")
    # the header ends at the first blank line
    header, blank, body = ("", "", rest) if rest.startswith("\n") else rest.partition("\n\n")
    rest = _TIMESTAMP_MAP.sub("", header) + blank + body
    mapping = f"X-TIMESTAMP-MAP=MPEGTS:{int(first_pts)},LOCAL:00:00:00.000"
    return f"{first}\n{mapping}\n{rest}"
