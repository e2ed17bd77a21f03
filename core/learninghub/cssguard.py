"""Sanitizer for tenant custom CSS.

Tenant admins may add a stylesheet to their site (``/branding/custom.css``). CSS cannot
run script in current browsers, but it can still load from other sites (tracking,
exfiltration of attribute values through ``url()`` in selectors), carry legacy script
vectors (``expression()``, ``behavior``, ``-moz-binding``, ``javascript:`` URLs) and,
when inlined, close a ``<style>`` element. :func:`sanitize_css` parses the text with
tinycss2 (which decodes CSS escapes, so ``\\65xpression(`` is seen as ``expression(``),
refuses anything on the list below with a :class:`CSSRejected` naming the reason, and
returns the stylesheet re-serialized from the parse tree (comments dropped).

Refused:

* more than :data:`MAX_CSS_BYTES` (50 KB of UTF-8) or a syntax error;
* ``@import``, ``@charset``, ``@namespace`` and any at-rule not in :data:`ALLOWED_AT_RULES`;
* ``url()`` (and ``src()``, ``image-set()`` strings) other than a same-origin path
  (``/...``, not ``//`` nor a backslash) or ``data:image/(png|gif|jpeg|webp)``;
  inside ``@font-face`` only same-origin paths;
* ``expression(...)``, ``javascript:``, ``vbscript:``, ``behavior``, ``-moz-binding``,
  legacy ``progid:`` filters;
* ``</style`` and ``<!--`` anywhere (strings included), after decoding escapes.
"""

from __future__ import annotations

import re
from typing import Any

import tinycss2
from tinycss2 import ast
from tinycss2.serializer import serialize_identifier

from .i18n import N_

MAX_CSS_BYTES = 50 * 1024

#: at-rules whose block holds rules (or that may be a statement: ``@layer a, b;``)
RULE_AT_RULES = frozenset(
    {
        "media",
        "supports",
        "container",
        "layer",
        "keyframes",
        "-webkit-keyframes",
        "scope",
        "starting-style",
    }
)
#: at-rules whose block holds declarations (descriptors)
DECLARATION_AT_RULES = frozenset({"font-face", "page", "counter-style", "property"})
ALLOWED_AT_RULES = RULE_AT_RULES | DECLARATION_AT_RULES
FORBIDDEN_AT_RULES = {
    "import": N_("@import is not allowed: the stylesheet must not load other stylesheets."),
    "charset": N_("@charset is not allowed: the stylesheet is always UTF-8."),
    "namespace": N_("@namespace is not allowed."),
}
#: functions whose string arguments are URLs
URL_FUNCTIONS = frozenset({"url", "src"})
IMAGE_FUNCTIONS = frozenset(
    {"image-set", "-webkit-image-set", "image", "cross-fade", "-webkit-cross-fade"}
)

SAME_ORIGIN_PATH_RE = re.compile(r"^/(?![/\\])[^\s\\\"'()<>\x00-\x1f\x7f]*$")
DATA_IMAGE_RE = re.compile(
    r"^data:image/(?:png|gif|jpeg|webp)(?:;[a-z0-9=._+-]+)*,[a-z0-9+/=%._~-]*$", re.IGNORECASE
)
#: what must never appear, checked on text with escapes decoded, comments and
#: whitespace removed, lower-cased
FORBIDDEN_TEXT = (
    ("expression(", N_("expression() is not allowed.")),
    ("javascript:", N_("javascript: addresses are not allowed.")),
    ("vbscript:", N_("vbscript: addresses are not allowed.")),
    ("</style", N_("The text </style is not allowed.")),
    ("<!--", N_("The text <!-- is not allowed.")),
    ("@import", N_("@import is not allowed: the stylesheet must not load other stylesheets.")),
    ("-moz-binding", N_("-moz-binding is not allowed.")),
)
_ESCAPE_RE = re.compile(r"\\(?:([0-9a-fA-F]{1,6})[ \t\n\r\f]?|(.))", re.DOTALL)
_COMMENT_RE = re.compile(r"/\*.*?(?:\*/|$)", re.DOTALL)
_SPACE_RE = re.compile(r"[\s\x00-\x1f\x7f]+")


class CSSRejected(ValueError):
    """The stylesheet was refused. ``message`` is a translatable template (``N_``),
    ``params`` its values; ``reason`` is the English sentence."""

    def __init__(self, message: str, **params: Any) -> None:
        self.message = message
        self.params = params
        self.reason = message % params if params else message
        super().__init__(self.reason)


def _decode_escapes(text: str) -> str:
    def replace(match: re.Match[str]) -> str:
        if match.group(1):
            code = int(match.group(1), 16)
            if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
                return "\ufffd"
            return chr(code)
        return match.group(2)

    return _ESCAPE_RE.sub(replace, text)


def _squash(text: str) -> str:
    """Text as a lax parser might read it: escapes decoded, comments and whitespace
    removed, lower case."""
    text = _COMMENT_RE.sub("", _decode_escapes(text))
    return _SPACE_RE.sub("", text).lower()


def _check_text(text: str) -> None:
    squashed = _squash(text)
    for needle, message in FORBIDDEN_TEXT:
        if needle in squashed:
            raise CSSRejected(message)


def _check_url(value: str, *, font: bool, line: int) -> None:
    url = value.strip()
    if SAME_ORIGIN_PATH_RE.match(url):
        return
    if font:
        raise CSSRejected(
            N_(
                "Line %(line)s: @font-face may only load fonts from this site "
                "(a path starting with a single /), not %(url)s."
            ),
            line=line,
            url=_shorten(url),
        )
    if DATA_IMAGE_RE.match(url):
        return
    if not url:
        raise CSSRejected(N_("Line %(line)s: an empty url() is not allowed."), line=line)
    raise CSSRejected(
        N_(
            "Line %(line)s: url(%(url)s) is not allowed: use a path on this site "
            "(starting with a single /) or a data:image/png, gif, jpeg or webp address."
        ),
        line=line,
        url=_shorten(url),
    )


def _shorten(text: str, limit: int = 60) -> str:
    text = _SPACE_RE.sub(" ", text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _check_tokens(tokens: list[Any], *, font: bool = False) -> None:
    """Check component values (preludes, declaration values) recursively."""
    for token in tokens:
        line = getattr(token, "source_line", 0)
        if isinstance(token, ast.URLToken):
            _check_text(token.value)
            _check_url(token.value, font=font, line=line)
        elif isinstance(token, ast.FunctionBlock):
            name = token.lower_name
            if name.endswith("expression"):
                raise CSSRejected(N_("expression() is not allowed."))
            if name in URL_FUNCTIONS:
                args = [
                    t
                    for t in token.arguments
                    if not isinstance(t, ast.WhitespaceToken | ast.Comment)
                ]
                if len(args) != 1 or not isinstance(args[0], ast.StringToken):
                    raise CSSRejected(
                        N_("Line %(line)s: %(name)s() must hold exactly one address."),
                        line=line,
                        name=name,
                    )
                _check_text(args[0].value)
                _check_url(args[0].value, font=font, line=line)
            elif name in IMAGE_FUNCTIONS:
                for arg in token.arguments:
                    if isinstance(arg, ast.StringToken):
                        _check_text(arg.value)
                        _check_url(arg.value, font=font, line=line)
            _check_tokens(token.arguments, font=font)
        elif isinstance(token, ast.ParenthesesBlock | ast.SquareBracketsBlock):
            _check_tokens(token.content, font=font)
        elif isinstance(token, ast.CurlyBracketsBlock):
            _check_tokens(token.content, font=font)
        elif isinstance(token, ast.AtKeywordToken):
            raise CSSRejected(
                N_("Line %(line)s: @%(name)s is not allowed here."),
                line=line,
                name=token.lower_value,
            )
        elif isinstance(token, ast.IdentToken):
            if token.lower_value in ("progid", "expression"):
                raise CSSRejected(
                    N_("Line %(line)s: legacy %(name)s filters are not allowed."),
                    line=line,
                    name=token.lower_value,
                )
            _check_text(token.value)
        elif isinstance(token, ast.StringToken):
            _check_text(token.value)
        elif isinstance(token, ast.ParseError):
            raise CSSRejected(
                N_("Line %(line)s: the CSS is not valid (%(error)s)."),
                line=line,
                error=token.message,
            )


def _clean(tokens: list[Any]) -> list[Any]:
    """Component values without comments (replaced by a space), recursively."""
    out = []
    for token in tokens:
        if isinstance(token, ast.Comment):
            out.append(ast.WhitespaceToken(token.source_line, token.source_column, " "))
            continue
        if isinstance(token, ast.FunctionBlock):
            token.arguments = _clean(token.arguments)
        elif isinstance(token, ast.ParenthesesBlock | ast.SquareBracketsBlock):
            token.content = _clean(token.content)
        elif isinstance(token, ast.CurlyBracketsBlock):
            token.content = _clean(token.content)
        out.append(token)
    return out


def _serialize_values(tokens: list[Any]) -> str:
    return tinycss2.serialize(_clean(tokens)).strip()


def _declaration(node: ast.Declaration, *, font: bool) -> str:
    name = node.lower_name
    if "behavior" in name or name.endswith("binding"):
        raise CSSRejected(
            N_("Line %(line)s: the property %(name)s is not allowed."),
            line=node.source_line,
            name=node.name,
        )
    _check_tokens(node.value, font=font and name == "src")
    value = _serialize_values(node.value)
    important = " !important" if node.important else ""
    return f"{serialize_identifier(node.name)}: {value}{important};"


def _block(content: list[Any], *, declarations_only: bool = False, font: bool = False) -> str:
    parts = []
    for node in tinycss2.parse_blocks_contents(content, skip_comments=True, skip_whitespace=True):
        if isinstance(node, ast.Declaration):
            parts.append(_declaration(node, font=font))
        elif isinstance(node, ast.ParseError):
            raise CSSRejected(
                N_("Line %(line)s: the CSS is not valid (%(error)s)."),
                line=node.source_line,
                error=node.message,
            )
        elif declarations_only:
            raise CSSRejected(
                N_("Line %(line)s: only declarations are allowed in this block."),
                line=node.source_line,
            )
        else:
            parts.append(_rule(node))
    return " ".join(parts)


def _rule(node: Any) -> str:
    if isinstance(node, ast.QualifiedRule):
        _check_tokens(node.prelude)
        selector = _serialize_values(node.prelude)
        return f"{selector} {{ {_block(node.content)} }}"
    if isinstance(node, ast.AtRule):
        name = node.lower_at_keyword
        if name in FORBIDDEN_AT_RULES:
            raise CSSRejected(FORBIDDEN_AT_RULES[name])
        if name not in ALLOWED_AT_RULES:
            raise CSSRejected(
                N_("Line %(line)s: the at-rule @%(name)s is not allowed."),
                line=node.source_line,
                name=name,
            )
        _check_tokens(node.prelude)
        prelude = _serialize_values(node.prelude)
        head = f"@{serialize_identifier(name)}" + (f" {prelude}" if prelude else "")
        if node.content is None:
            if name != "layer":
                raise CSSRejected(
                    N_("Line %(line)s: @%(name)s needs a block."),
                    line=node.source_line,
                    name=name,
                )
            return f"{head};"
        if name in DECLARATION_AT_RULES:
            body = _block(node.content, declarations_only=True, font=name == "font-face")
        else:
            body = _block(node.content)
        return f"{head} {{ {body} }}"
    if isinstance(node, ast.ParseError):
        raise CSSRejected(
            N_("Line %(line)s: the CSS is not valid (%(error)s)."),
            line=node.source_line,
            error=node.message,
        )
    raise CSSRejected(N_("The CSS could not be read."))  # pragma: no cover - defensive


def sanitize_css(text: str) -> str:
    """The stylesheet re-serialized from its parse tree, or :class:`CSSRejected`.

    Empty or blank input gives ``""``."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_CSS_BYTES:
        raise CSSRejected(N_("The stylesheet is over %(limit)s KB."), limit=MAX_CSS_BYTES // 1024)
    if not text.strip():
        return ""
    # refuse what a lax reader would see even before parsing (escapes, comments)
    if "</style" in text.lower():
        raise CSSRejected(N_("The text </style is not allowed."))
    _check_text(text)
    rules = tinycss2.parse_stylesheet(text, skip_comments=True, skip_whitespace=True)
    out = "\n".join(_rule(node) for node in rules)
    _check_text(out)  # the output is what browsers read: check it too
    return out + "\n" if out else ""
