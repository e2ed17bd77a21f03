"""The TrueType fonts of the certificate PDF, and which of them can draw a string.

reportlab needs TrueType files (the kernel's web fonts are WOFF2 subsets it cannot
read). The fonts are, in order: the instance setting ``font_path`` when it names a file,
else DejaVu Sans (regular and bold) when the system has it (Debian's
``fonts-dejavu-core``, installed by ``scripts/setup.sh --system-deps``), else the Bitstream
Vera that reportlab bundles (Latin-1 only).

A character the font does not map is drawn as its ``.notdef`` glyph, a box. So each
string is checked against the font's character map (``cmap``, reportlab's
``face.charToGlyph``) before it is drawn: when the chosen font lacks a glyph for one of
its characters and DejaVu Sans has them all, the string is drawn in DejaVu Sans (e.g. a
Latin-only ``font_path`` and an Arabic name, or an Arabic font that only shapes through
OpenType tables and has no presentation forms); when no font has them, it is drawn
anyway and a warning names the missing characters.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

log = logging.getLogger(__name__)

DEJAVU = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
)


def _vera() -> tuple[str, str]:
    import reportlab

    base = os.path.join(os.path.dirname(reportlab.__file__), "fonts")
    return os.path.join(base, "Vera.ttf"), os.path.join(base, "VeraBd.ttf")


def font_files(path_setting: str = "") -> tuple[str, str]:
    """The (regular, bold) TrueType files for ``font_path`` (see the module)."""
    if path_setting and os.path.isfile(path_setting):
        return path_setting, path_setting
    if all(os.path.isfile(p) for p in DEJAVU):
        return DEJAVU
    return _vera()


def register(path: str) -> str:
    """The reportlab name of the TrueType font at ``path``, registered once."""
    name = "lhcert-" + os.path.splitext(os.path.basename(path))[0]
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(name, path))
    return name


def missing_glyphs(font: str, text: str) -> str:
    """The characters of ``text`` that the registered TrueType ``font`` has no glyph
    for (each once, in code point order); ``""`` when it can draw all of them."""
    cmap = pdfmetrics.getFont(font).face.charToGlyph
    return "".join(sorted({ch for ch in text if not cmap.get(ord(ch))}))


@dataclass(frozen=True)
class FontSet:
    """The registered fonts of one PDF: ``regular`` and ``bold``, and ``fallback``
    (DejaVu Sans regular and bold) when it is installed and not already the main pair."""

    regular: str
    bold: str
    fallback: tuple[str, str] | None = None

    def pick(self, text: str, *, bold: bool = False) -> str:
        """The font to draw ``text`` (as drawn: shaped) with: the main one when it has
        every glyph, else the fallback when that has them, else the main one (logged:
        the missing characters show as boxes)."""
        main = self.bold if bold else self.regular
        missing = missing_glyphs(main, text)
        if not missing:
            return main
        if self.fallback is not None:
            other = self.fallback[1 if bold else 0]
            if not missing_glyphs(other, text):
                return other
        log.warning(
            "certificate font %s has no glyph for %s (U+%s): drawn as boxes; set the "
            "certificates font_path to a font that covers them",
            main,
            ascii(missing),
            " U+".join(f"{ord(ch):04X}" for ch in missing),
        )
        return main


def fonts(path_setting: str = "") -> FontSet:
    """The fonts for ``font_path`` (instance setting), registered with reportlab."""
    regular, bold = font_files(path_setting)
    fallback = None
    if (regular, bold) != DEJAVU and all(os.path.isfile(p) for p in DEJAVU):
        fallback = (register(DEJAVU[0]), register(DEJAVU[1]))
    return FontSet(register(regular), register(bold), fallback)
