"""Parsing, validation, sanitisation and serialisation of caption files.

Both formats go through :func:`parse`, a line-aware reader, so every problem names
the line of the uploaded file it is on; SRT is then converted to WebVTT by webvtt-py
(``webvtt.from_buffer(..., format="srt")``). Cue text keeps only WebVTT's own markup
(``<b> <i> <u> <c.class> <v Speaker> <lang xx> <ruby> <rt>`` and timestamp tags):
any other tag is removed, the body of ``<script>``/``<style>`` with it, and a stray
``<`` or ``&`` is escaped, so a browser's ``<track>`` never meets HTML.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

MAX_BYTES = 512 * 1024
MAX_CUES = 10_000
MAX_CUE_TEXT = 1_000
LINE_LIMIT = 100  # characters of one cue line shown back in an error

_TIME = r"(?:(\d{1,3}):)?([0-5]\d):([0-5]\d)[.,](\d{3})"
_TIMING = re.compile(rf"^\s*{_TIME}\s+-->\s+{_TIME}(?:\s+.*)?$")
_TAG = re.compile(r"<[^<>]*>|<")
_ALLOWED_TAG = re.compile(
    r"^</?(?:c|i|b|u|ruby|rt|v|lang)(?:\.[A-Za-z0-9_-]+)*(?:\s[^<>]*)?>$"
    r"|^</(?:c|i|b|u|ruby|rt|v|lang)>$"
    r"|^<(?:\d{1,3}:)?[0-5]\d:[0-5]\d\.\d{3}>$"
)
_DROP_BODY = re.compile(r"<(script|style)\b[^>]*>.*?(</\1\s*>|$)", re.IGNORECASE | re.DOTALL)
_ENTITY = re.compile(r"&(?!(?:amp|lt|gt|lrm|rlm|nbsp|#\d+|#x[0-9a-fA-F]+);)")


class CaptionFileError(ValueError):
    """A problem of the file at ``line`` (1-based; None: the whole file)."""

    def __init__(self, message: str, line: int | None = None, type_: str = "caption_invalid"):
        super().__init__(message)
        self.message, self.line, self.type = message, line, type_


@dataclass
class Cue:
    start_ms: int
    end_ms: int
    text: str
    line: int | None = None  # the timing line in the source


def format_time(ms: int) -> str:
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"


def parse_time(text: str) -> int | None:
    """Milliseconds of ``HH:MM:SS.mmm`` / ``MM:SS.mmm`` (comma accepted), or None."""
    match = re.fullmatch(_TIME, text.strip())
    if match is None:
        return None
    return _ms(match.groups())


def _ms(groups) -> int:
    hours, minutes, seconds, millis = groups
    return ((int(hours or 0) * 60 + int(minutes)) * 60 + int(seconds)) * 1000 + int(millis)


def decode(data: bytes | str) -> str:
    """The text with its BOM removed and newlines made ``\\n``."""
    if isinstance(data, bytes):
        if len(data) > MAX_BYTES:
            raise CaptionFileError(
                f"the file is larger than {MAX_BYTES // 1024} KiB", None, "caption_too_large"
            )
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise CaptionFileError("the file is not UTF-8 text", None, "caption_encoding") from None
    elif len(data.encode("utf-8")) > MAX_BYTES:
        raise CaptionFileError(
            f"the file is larger than {MAX_BYTES // 1024} KiB", None, "caption_too_large"
        )
    return data.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def detect_format(text: str) -> str:
    """``srt`` when the first line is a cue number, else ``vtt``."""
    first = next((line.strip() for line in text.split("\n") if line.strip()), "")
    return "srt" if first.isdigit() else "vtt"


def sanitize(text: str) -> str:
    """Cue text with only WebVTT's markup left (see the module's docstring)."""
    text = _DROP_BODY.sub("", text)

    def keep(match: re.Match) -> str:
        tag = match.group(0)
        return tag if _ALLOWED_TAG.match(tag) else ("&lt;" if tag == "<" else "")

    text = _TAG.sub(keep, text)
    text = _ENTITY.sub("&amp;", text)
    return text.replace("-->", "--&gt;").strip()


def parse(text: str, fmt: str) -> list[Cue]:
    """The cues of ``text`` (decoded) in format ``vtt`` or ``srt``, with the line of
    each timing line. Raises :class:`CaptionFileError` at the first structural
    problem (before any conversion)."""
    lines = text.split("\n")
    index = 0
    if fmt == "vtt":
        if not re.match(r"^WEBVTT(?:[ \t].*)?$", lines[0]):
            raise CaptionFileError('a WebVTT file starts with the line "WEBVTT"', 1)
        index = 1
        while index < len(lines) and lines[index].strip():  # header lines
            index += 1
    cues: list[Cue] = []
    total = len(lines)
    while index < total:
        if not lines[index].strip():
            index += 1
            continue
        block_start = index
        block = []
        while index < total and lines[index].strip():
            block.append(lines[index])
            index += 1
        first = block[0].strip()
        if fmt == "vtt" and re.match(r"^(NOTE|STYLE|REGION)(\s|$)", first):
            continue
        timing_at = 0
        if "-->" not in block[0]:
            timing_at = 1  # a cue identifier (SRT: the counter)
            if fmt == "srt" and not first.isdigit():
                raise CaptionFileError(
                    f'expected a cue number, got "{first[:LINE_LIMIT]}"', block_start + 1
                )
        line_no = block_start + timing_at + 1
        if timing_at >= len(block):
            raise CaptionFileError("the cue has no timing line", line_no)
        match = _TIMING.match(block[timing_at])
        if match is None or (fmt == "vtt" and "," in block[timing_at].split("-->")[0]):
            raise CaptionFileError(
                "expected a timing line like 00:00:01.000 --> 00:00:04.000, got "
                f'"{block[timing_at].strip()[:LINE_LIMIT]}"',
                line_no,
                "caption_timing",
            )
        groups = match.groups()
        body = "\n".join(block[timing_at + 1 :])
        cues.append(Cue(_ms(groups[:4]), _ms(groups[4:]), body, line_no))
        if len(cues) > MAX_CUES:
            raise CaptionFileError(f"more than {MAX_CUES} cues", line_no, "caption_too_large")
    return cues


def srt_to_cues(text: str, parsed: list[Cue]) -> list[Cue]:
    """SRT converted to WebVTT cues by webvtt-py; the lines come from ``parsed``."""
    import webvtt
    from webvtt.errors import MalformedFileError

    try:
        converted = webvtt.from_buffer(io.StringIO(text), format="srt").captions
    except (MalformedFileError, ValueError) as exc:
        raise CaptionFileError(f"not a valid SRT file: {exc}", None) from None
    if len(converted) != len(parsed):
        raise CaptionFileError("not a valid SRT file: cues could not be read", None)
    return [
        Cue(parse_time(c.start), parse_time(c.end), c.raw_text, p.line)
        for c, p in zip(converted, parsed, strict=True)
    ]


def check(cues: list[Cue], duration_s: int | None) -> list[CaptionFileError]:
    """Every problem of ``cues`` (already sanitised), in line order."""
    problems: list[CaptionFileError] = []
    if not cues:
        return [CaptionFileError("the file has no cues", None, "caption_empty")]
    previous: Cue | None = None
    for cue in cues:
        if cue.end_ms <= cue.start_ms:
            problems.append(
                CaptionFileError(
                    f"the cue ends ({format_time(cue.end_ms)}) before or when it starts "
                    f"({format_time(cue.start_ms)})",
                    cue.line,
                    "caption_timing",
                )
            )
        if previous is not None and cue.start_ms < previous.start_ms:
            problems.append(
                CaptionFileError(
                    f"the cue starts ({format_time(cue.start_ms)}) before the previous one "
                    f"({format_time(previous.start_ms)}): cues must be in time order",
                    cue.line,
                    "caption_order",
                )
            )
        if duration_s is not None and cue.end_ms > duration_s * 1000:
            problems.append(
                CaptionFileError(
                    f"the cue ends ({format_time(cue.end_ms)}) after the end of the media "
                    f"({format_time(duration_s * 1000)})",
                    cue.line,
                    "caption_duration",
                )
            )
        if not cue.text:
            problems.append(CaptionFileError("the cue has no text", cue.line, "caption_text"))
        elif len(cue.text) > MAX_CUE_TEXT:
            problems.append(
                CaptionFileError(
                    f"the cue's text is longer than {MAX_CUE_TEXT} characters",
                    cue.line,
                    "caption_text",
                )
            )
        previous = cue
    return problems


def serialize(cues: list[Cue]) -> str:
    parts = ["WEBVTT", ""]
    for cue in cues:
        parts += [f"{format_time(cue.start_ms)} --> {format_time(cue.end_ms)}", cue.text, ""]
    return "\n".join(parts)


def to_webvtt(data: bytes | str, duration_s: int | None, fmt: str | None = None) -> str:
    """The validated, sanitised WebVTT of an uploaded file (WebVTT or SRT: ``fmt``, or
    guessed from the first line). Raises :class:`ValidationFailed` with every problem."""
    text = decode(data)
    if fmt is None:
        fmt = detect_format(text)
    cues = parse(text, fmt)
    if fmt == "srt":
        cues = srt_to_cues(text, cues)
    for cue in cues:
        cue.text = sanitize(cue.text)
    problems = check(cues, duration_s)
    if problems:
        raise ValidationFailed(problems)
    return serialize(cues)


class ValidationFailed(ValueError):
    def __init__(self, problems: list[CaptionFileError]):
        super().__init__("; ".join(p.message for p in problems))
        self.problems = problems
