"""Learning Hub's campus theme: navigation and user menu in a sidebar at the inline-start
side (a top bar on narrow screens), serif headings (Merriweather) over Atkinson
Hyperlegible body text, a deep green and warm off-white palette."""

from learninghub.themes import Theme

__version__ = "0.1.0"

THEME = Theme(
    name="campus",
    title="Campus",
    package=__name__,
    description="Sidebar navigation, serif headings, legible body font; deep green palette.",
    tokens={
        "color-primary": "#1f4d3a",
        "color-on-primary": "#ffffff",
        "color-background": "#f8f5ee",
        "color-surface": "#fffdf8",
        "color-text": "#1c2321",
        "color-muted": "#4a524c",
        "color-link": "#1b5e3f",
        "color-accent": "#9a3412",
        "color-focus": "#b45309",
        "radius": "4px",
    },
    font="atkinson",
    heading_font="merriweather",
    stylesheets=("theme.css",),
)
