"""Learning Hub's default theme: a top bar with logo, navigation, notifications and
user menu, a centred content column and a footer."""

from learninghub.themes import Theme

__version__ = "0.1.0"

THEME = Theme(
    name="default",
    title="Default",
    package=__name__,
    description="Top bar, centred content, system font; calm blue palette.",
    tokens={
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
    },
    font="system",
    stylesheets=("theme.css",),
)
