"""Tenant branding: design tokens, fonts, logo, favicon, custom CSS, footer links and
email identity, resolved over the theme's defaults.

``tenants.branding`` (JSON) holds what a tenant admin chose::

    {"tokens": {"color-primary": "#0b5", ...},   # a subset of TOKENS
     "font": "inter", "heading_font": "merriweather",
     "logo_key": "...", "logo_version": "<sha>", "favicon_key": "...", "favicon_version": "...",
     "custom_css": "...", "custom_css_version": "<sha>",
     "footer_links": [{"title": "Privacy", "url": "https://..."}],
     "email_sender_name": "...", "email_footer": "..."}

:func:`resolved` merges kernel defaults ← theme tokens ← tenant tokens and is what
templates see as ``branding``. Tokens become CSS custom properties ``--lh-<token>``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup

#: token name → kernel default
TOKENS: dict[str, str] = {
    "color-primary": "#1d3557",
    "color-on-primary": "#ffffff",
    "color-background": "#f7f7f8",
    "color-surface": "#ffffff",
    "color-text": "#1b1b1f",
    "color-muted": "#52525b",
    "color-link": "#1d4ed8",
    "color-accent": "#b42318",
    "color-focus": "#b45309",
    "radius": "6px",
}
COLOR_TOKENS = tuple(k for k in TOKENS if k.startswith("color-"))

#: (foreground token, background token) pairs that carry text; each needs >= 4.5:1
CONTRAST_PAIRS: tuple[tuple[str, str], ...] = (
    ("color-text", "color-background"),
    ("color-text", "color-surface"),
    ("color-muted", "color-surface"),
    ("color-on-primary", "color-primary"),
    ("color-link", "color-background"),
    ("color-link", "color-surface"),
)
MIN_CONTRAST = 4.5
#: (indicator token, background token) pairs for non-text contrast (focus rings,
#: WCAG 1.4.11): each needs >= 3:1
NON_TEXT_PAIRS: tuple[tuple[str, str], ...] = (
    ("color-focus", "color-background"),
    ("color-focus", "color-surface"),
)
MIN_NON_TEXT_CONTRAST = 3.0


@dataclass(frozen=True)
class Font:
    key: str
    label: str
    stack: str
    #: a stylesheet under learninghub:static (written by scripts/assets.sh), or None
    stylesheet: str | None = None


FONTS: dict[str, Font] = {
    f.key: f
    for f in (
        Font(
            "system",
            "System interface font",
            'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Noto Sans Arabic", '
            '"Helvetica Neue", Arial, sans-serif',
        ),
        Font(
            "inter",
            "Inter",
            '"Inter", "Noto Sans Arabic", system-ui, sans-serif',
            "vendor/fonts/inter.css",
        ),
        Font(
            "atkinson",
            "Atkinson Hyperlegible",
            '"Atkinson Hyperlegible", "Noto Sans Arabic", system-ui, sans-serif',
            "vendor/fonts/atkinson.css",
        ),
        Font(
            "merriweather",
            "Merriweather (serif)",
            '"Merriweather", "Noto Naskh Arabic", Georgia, serif',
            "vendor/fonts/merriweather.css",
        ),
        Font(
            "source-serif",
            "Source Serif 4",
            '"Source Serif 4", "Noto Naskh Arabic", Georgia, serif',
            "vendor/fonts/source-serif.css",
        ),
    )
}
#: loaded on pages in a right-to-left locale, whatever the font choice (sans for body
#: text, Naskh for the serif stacks)
ARABIC_FONT_STYLESHEET = "vendor/fonts/noto-sans-arabic.css"
ARABIC_FONT_STYLESHEETS = (ARABIC_FONT_STYLESHEET, "vendor/fonts/noto-naskh-arabic.css")

HEX_RE = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


def parse_hex(value: str) -> tuple[int, int, int]:
    if not HEX_RE.match(value or ""):
        raise ValueError(f"{value!r} is not a colour like #1d3557")
    raw = value[1:]
    if len(raw) == 3:
        raw = "".join(c * 2 for c in raw)
    return int(raw[0:2], 16), int(raw[2:4], 16), int(raw[4:6], 16)


def relative_luminance(value: str) -> float:
    """WCAG 2.x relative luminance of an sRGB hex colour."""

    def channel(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.04045 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = parse_hex(value)
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast_ratio(foreground: str, background: str) -> float:
    """WCAG contrast ratio (1.0 … 21.0) of two hex colours."""
    a, b = relative_luminance(foreground), relative_luminance(background)
    lighter, darker = max(a, b), min(a, b)
    return (lighter + 0.05) / (darker + 0.05)


@dataclass(frozen=True)
class ContrastFailure:
    foreground: str
    background: str
    ratio: float

    required: float = MIN_CONTRAST

    def message(self) -> str:
        what = "for text" if self.required == MIN_CONTRAST else "for focus indicators"
        return (
            f"{self.foreground} on {self.background} has a contrast ratio of "
            f"{self.ratio:.2f}:1; at least {self.required:g}:1 is needed {what}"
        )


def check_palette(tokens: dict[str, str]) -> list[ContrastFailure]:
    """Every text pair of ``tokens`` (complete: merge defaults first) under 4.5:1 and
    every focus-indicator pair under 3:1."""
    failures = []
    for pairs, minimum in ((CONTRAST_PAIRS, MIN_CONTRAST), (NON_TEXT_PAIRS, MIN_NON_TEXT_CONTRAST)):
        for fg, bg in pairs:
            ratio = contrast_ratio(tokens[fg], tokens[bg])
            if ratio < minimum:
                failures.append(ContrastFailure(fg, bg, round(ratio, 2), minimum))
    return failures


@dataclass
class Branding:
    """What templates see as ``branding``."""

    tokens: dict[str, str]
    font: Font
    heading_font: Font
    logo_url: str | None = None
    favicon_url: str | None = None
    custom_css_url: str | None = None
    footer_links: list[dict[str, str]] = field(default_factory=list)
    email_sender_name: str = ""
    email_footer: str = ""
    stylesheets: list[str] = field(default_factory=list)

    def css_variables(self) -> Markup:
        """``--lh-<token>: value;`` declarations for ``:root`` (values are validated on
        save; anything else is dropped here too)."""
        lines = []
        for key, value in self.tokens.items():
            if key.startswith("color-") and not HEX_RE.match(value):
                continue
            if key == "radius" and not re.match(r"^\d{1,2}(?:\.\d+)?(?:px|rem)$", value):
                continue
            lines.append(f"--lh-{key}: {value};")
        lines.append(f"--lh-font-body: {self.font.stack};")
        lines.append(f"--lh-font-heading: {self.heading_font.stack};")
        # safe to emit unescaped into <style>: validated colours and radius, FONTS stacks
        return Markup(" ".join(lines))


def merged_tokens(theme_tokens: dict[str, str] | None, tenant_tokens: dict[str, str] | None):
    tokens = dict(TOKENS)
    tokens.update({k: v for k, v in (theme_tokens or {}).items() if k in TOKENS})
    tokens.update({k: v for k, v in (tenant_tokens or {}).items() if k in TOKENS})
    return tokens


def resolved(request, theme) -> Branding:
    tenant = getattr(request, "tenant", None)
    data: dict[str, Any] = dict(tenant.branding or {}) if tenant is not None else {}
    tokens = merged_tokens(theme.tokens if theme else None, data.get("tokens"))
    font = FONTS.get(data.get("font") or (theme.font if theme else "system")) or FONTS["system"]
    heading = (
        FONTS.get(data.get("heading_font") or (theme.heading_font if theme else "") or font.key)
        or font
    )
    brand = Branding(tokens=tokens, font=font, heading_font=heading)
    if data.get("logo_key"):
        brand.logo_url = f"/branding/logo?v={data.get('logo_version', '')}"
    if data.get("favicon_key"):
        brand.favicon_url = f"/branding/favicon?v={data.get('favicon_version', '')}"
    if data.get("custom_css"):
        brand.custom_css_url = f"/branding/custom.css?v={data.get('custom_css_version', '')}"
    brand.footer_links = [
        {"title": str(x.get("title", "")), "url": str(x.get("url", ""))}
        for x in data.get("footer_links") or []
        if isinstance(x, dict)
    ]
    brand.email_sender_name = str(data.get("email_sender_name") or (tenant.name if tenant else ""))
    brand.email_footer = str(data.get("email_footer") or "")
    sheets = []
    for f in (font, heading):
        if f.stylesheet and f.stylesheet not in sheets:
            sheets.append(f.stylesheet)
    brand.stylesheets = sheets
    return brand
