"""Right-to-left text for the certificate PDF.

reportlab's canvas draws the characters of a string one after another, left to right,
each with the glyph its font maps the code point to: it neither shapes Arabic (letters
take a different form at the start, middle or end of a word, and lam + alef become one
ligature) nor reorders right-to-left text. So strings that hold a right-to-left letter
(Unicode bidirectional class ``R`` or ``AL``: Arabic, Hebrew, Syriac, Thaana...) are
prepared here before they are drawn:

1. ``arabic-reshaper`` replaces each Arabic letter with its contextual presentation form
   (U+FB50–U+FDFF, U+FE70–U+FEFF) and joins lam-alef, in logical order. It also drops
   the harakat (short-vowel marks, e.g. the damma of "تُمنح"): reportlab cannot position
   combining marks over their letter, and Arabic reads well without them.
2. Lines are broken on the shaped text, so widths are those of the glyphs drawn.
3. ``python-bidi`` (the Unicode Bidirectional Algorithm, UAX #9, which reorders line by
   line) puts each line into visual order; the bidi control characters it leaves are
   removed, since reportlab would draw them as glyphs.

The paragraph direction is right-to-left in a right-to-left document (the tenant's
language is Arabic, Hebrew, Persian...), else that of the string's first strong letter
(as HTML's ``dir="auto"``: an Arabic name on an English certificate reads right to
left). Strings without a right-to-left letter are returned unchanged.
"""

from __future__ import annotations

import unicodedata

from arabic_reshaper import reshape
from babel import Locale, UnknownLocaleError
from bidi import get_display
from reportlab.lib.utils import simpleSplit

RTL_CLASSES = frozenset({"R", "AL"})
# ALM, LRM, RLM, LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI
_BIDI_CONTROLS = dict.fromkeys(
    [0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
)


def is_rtl_locale(locale: str) -> bool:
    """Whether ``locale`` (e.g. ``ar``, ``he_IL``) is written right to left (CLDR)."""
    try:
        return Locale.parse(locale).text_direction == "rtl"
    except (ValueError, TypeError, UnknownLocaleError):
        return False


def has_rtl(text: str) -> bool:
    """Whether ``text`` holds a right-to-left letter."""
    return any(unicodedata.bidirectional(ch) in RTL_CLASSES for ch in text)


def _base_direction(text: str, rtl: bool) -> str:
    if rtl:
        return "R"
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind == "L":
            return "L"
        if kind in RTL_CLASSES:
            return "R"
    return "L"


def _reorder(line: str, base: str) -> str:
    return get_display(line, base_dir=base).translate(_BIDI_CONTROLS)


def shape(text: str) -> str:
    """``text`` with Arabic letters in their contextual forms, still in logical order
    (what a font must have glyphs for); unchanged without a right-to-left letter."""
    return reshape(text) if has_rtl(text) else text


def visual(text: str, *, rtl: bool) -> str:
    """``text`` as it is drawn left to right: shaped and in visual order when it holds a
    right-to-left letter (``rtl``: the document is right to left), else unchanged."""
    if not has_rtl(text):
        return text
    return _reorder(reshape(text), _base_direction(text, rtl))


def split(text: str, font: str, size: float, width: float, *, rtl: bool) -> list[str]:
    """``text`` broken into lines at most ``width`` points wide in ``font`` at ``size``,
    each as :func:`visual` would draw it (same paragraph direction for every line)."""
    if not has_rtl(text):
        return simpleSplit(text, font, size, width)
    base = _base_direction(text, rtl)
    return [_reorder(line, base) for line in simpleSplit(reshape(text), font, size, width)]
