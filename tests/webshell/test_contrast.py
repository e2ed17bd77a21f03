"""WCAG contrast checks of tenant palettes and the design-token CSS."""

import pytest

from learninghub.branding import (
    CONTRAST_PAIRS,
    FONTS,
    TOKENS,
    Branding,
    check_palette,
    contrast_ratio,
    merged_tokens,
    relative_luminance,
)


@pytest.mark.parametrize(
    ("fg", "bg", "expected"),
    [
        ("#000000", "#ffffff", 21.0),
        ("#ffffff", "#ffffff", 1.0),
        ("#777777", "#ffffff", 4.48),  # the classic just-failing grey
        ("#767676", "#ffffff", 4.54),  # the lightest grey that passes on white
        ("#1d3557", "#ffffff", 12.35),
        ("#fff", "#000", 21.0),  # short form
    ],
)
def test_contrast_ratio_matches_wcag_reference_values(fg, bg, expected):
    assert contrast_ratio(fg, bg) == pytest.approx(expected, abs=0.01)
    assert contrast_ratio(bg, fg) == pytest.approx(expected, abs=0.01)  # symmetric


def test_luminance_of_primaries():
    assert relative_luminance("#ffffff") == pytest.approx(1.0)
    assert relative_luminance("#000000") == 0.0
    assert relative_luminance("#ff0000") == pytest.approx(0.2126)


@pytest.mark.parametrize("bad", ["red", "#12345", "#gggggg", "", "rgb(0,0,0)", "#1234567"])
def test_non_hex_colours_are_rejected(bad):
    with pytest.raises(ValueError):
        contrast_ratio(bad, "#ffffff")


def test_kernel_defaults_pass():
    assert check_palette(dict(TOKENS)) == []


def test_failing_pairs_are_reported_with_their_measured_ratio():
    tokens = merged_tokens(None, {"color-text": "#999999", "color-on-primary": "#1d3557"})
    failures = check_palette(tokens)
    pairs = {(f.foreground, f.background) for f in failures}
    assert ("color-text", "color-background") in pairs
    assert ("color-text", "color-surface") in pairs
    assert ("color-on-primary", "color-primary") in pairs
    text_on_surface = next(
        f for f in failures if (f.foreground, f.background) == ("color-text", "color-surface")
    )
    assert text_on_surface.ratio == pytest.approx(2.85, abs=0.01)
    assert "2.85:1" in text_on_surface.message() and "4.5:1" in text_on_surface.message()


def test_every_pair_names_known_tokens():
    for fg, bg in CONTRAST_PAIRS:
        assert fg in TOKENS and bg in TOKENS


def test_merged_tokens_ignore_unknown_keys_and_layer_tenant_over_theme():
    tokens = merged_tokens({"color-primary": "#111111", "bogus": "x"}, {"color-primary": "#222222"})
    assert tokens["color-primary"] == "#222222" and "bogus" not in tokens


def test_css_variables_drop_values_that_are_not_tokens_shaped():
    brand = Branding(
        tokens={
            "color-primary": "#123456",
            "color-text": "red;} body{background:url(//evil)",
            "radius": "4px",
        },
        font=FONTS["system"],
        heading_font=FONTS["merriweather"],
    )
    css = brand.css_variables()
    assert "--lh-color-primary: #123456;" in css and "--lh-radius: 4px;" in css
    assert "evil" not in css and "color-text" not in css
    assert "--lh-font-heading: " + FONTS["merriweather"].stack in css


def test_focus_indicator_needs_three_to_one_against_backgrounds():
    from learninghub.branding import MIN_NON_TEXT_CONTRAST

    failures = check_palette(merged_tokens(None, {"color-focus": "#f59e0b"}))  # amber: ~2:1
    focus = [f for f in failures if f.foreground == "color-focus"]
    assert {f.background for f in focus} == {"color-background", "color-surface"}
    assert all(f.required == MIN_NON_TEXT_CONTRAST for f in focus)
    assert "for focus indicators" in focus[0].message() and "3:1" in focus[0].message()
    assert check_palette(merged_tokens(None, {"color-focus": "#b45309"})) == []
