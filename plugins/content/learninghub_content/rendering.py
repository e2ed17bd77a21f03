"""Lesson content on the way in: sanitized HTML, Markdown, embed URLs.

Everything a lesson shows is made safe before it is stored (and HTML is cleaned
again on the way out, see :func:`body_markup`), so templates never mark user data
safe by themselves.
"""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit, urlunsplit

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

#: the Markdown renderer: CommonMark with raw HTML switched off (it is escaped), plus
#: tables and strikethrough; its output still goes through nh3
_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(
    ["table", "strikethrough"]
)

_YOUTUBE_HOSTS = {
    "youtube.com",
    "www.youtube.com",
    "m.youtube.com",
    "youtu.be",
    "youtube-nocookie.com",
    "www.youtube-nocookie.com",
}
_VIMEO_HOSTS = {"vimeo.com", "www.vimeo.com", "player.vimeo.com"}
_YOUTUBE_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")
_VIMEO_HASH = re.compile(r"^[0-9a-f]{6,20}$")
_BLOCK_END = re.compile(r"<br\s*/?>|</(?:p|div|li|h[1-6]|blockquote|pre|tr|td|th)>", re.I)


class EmbedRefused(ValueError):
    """The URL is not from an allowed provider, or not a page it can embed."""


def sanitize_html(body: str) -> str:
    """The HTML we store: nh3's default allow-list (no scripts, styles, event
    handlers or ``javascript:`` URLs; links get ``rel="noopener noreferrer"``)."""
    return nh3.clean(body)


def render_markdown(source: str) -> str:
    """Markdown → sanitized HTML."""
    return sanitize_html(_MARKDOWN.render(source))


def body_markup(body: str) -> Markup:
    """Stored HTML for templates, cleaned again so that rows written by other means
    can never inject markup."""
    return Markup(nh3.clean(body))  # sanitized on this very line


def body_text(body: str) -> str:
    """Plain text of stored HTML (search documents, excerpts)."""
    text = html.unescape(nh3.clean(_BLOCK_END.sub("\n", body), tags=set()))
    return " ".join(text.split())


def _youtube_id(host: str, path: str, query: str) -> str | None:
    segments = [s for s in path.split("/") if s]
    if host == "youtu.be":
        return segments[0] if segments else None
    if path == "/watch":
        return (parse_qs(query).get("v") or [None])[0]
    if len(segments) >= 2 and segments[0] in ("embed", "shorts", "live", "v"):
        return segments[1]
    return None


def _vimeo_embed(path: str, query: str) -> str | None:
    segments = [s for s in path.split("/") if s]
    for i, segment in enumerate(segments):
        if segment.isdigit():
            unlisted = (parse_qs(query).get("h") or [None])[0]
            if unlisted is None and i + 1 < len(segments):
                unlisted = segments[i + 1]
            suffix = f"?h={unlisted}" if unlisted and _VIMEO_HASH.match(unlisted) else ""
            return f"https://player.vimeo.com/video/{segment}{suffix}"
    return None


def normalize_embed_url(url: str, extra_hosts: list[str] | tuple[str, ...] = ()) -> str:
    """The provider's embed URL for ``url``, or :class:`EmbedRefused`.

    YouTube (watch, youtu.be, shorts, embed links) becomes
    ``https://www.youtube-nocookie.com/embed/<id>``; Vimeo (page or player links)
    becomes ``https://player.vimeo.com/video/<id>``; an https URL on one of
    ``extra_hosts`` (the tenant's setting, exact host names, default port) is kept
    without its fragment. Anything else is refused."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise EmbedRefused("not a valid URL") from None
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        raise EmbedRefused("only http and https URLs can be embedded")
    if parts.username or parts.password:
        raise EmbedRefused("URLs with credentials cannot be embedded")
    if host in _YOUTUBE_HOSTS and port is None:
        video = _youtube_id(host, parts.path, parts.query)
        if not video or not _YOUTUBE_ID.match(video):
            raise EmbedRefused("not a YouTube video link")
        return f"https://www.youtube-nocookie.com/embed/{video}"
    if host in _VIMEO_HOSTS and port is None:
        embed = _vimeo_embed(parts.path, parts.query)
        if embed is None:
            raise EmbedRefused("not a Vimeo video link")
        return embed
    if host in {h.lower() for h in extra_hosts}:
        if parts.scheme != "https" or port is not None:
            raise EmbedRefused("embedded pages must use https on the default port")
        return urlunsplit(("https", host, parts.path or "/", parts.query, ""))
    raise EmbedRefused(f"{host} is not an allowed embed provider")
