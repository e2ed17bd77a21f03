"""Right-to-left certificates: Arabic shaped and in visual order, drawn with a font that
has the glyphs, the layout mirrored; Latin text untouched.

The expected strings are computed here with ``arabic_reshaper`` and ``python-bidi``
directly (not through the plugin's :mod:`learninghub_certificates.rtl`). pypdf's layout
mode reports text in the order it is drawn (its default mode re-reverses right-to-left
runs), which is the visual order the plugin must draw. The fonts are checked with
reportlab's own reading of the source TrueType file's ``cmap``, for every character
the PDF's embedded subsets carry (their ``ToUnicode`` maps).

The Arabic certificate is also rendered to var/screenshots/certificate-ar.png (git-ignored)
for a person to look at.
"""

from __future__ import annotations

import io
import logging
import os
import re

import arabic_reshaper
import pytest
from bidi import get_display
from reportlab.pdfbase.pdfmetrics import stringWidth

from learninghub.testing.browser import SHOTS
from learninghub_certificates import rtl
from learninghub_certificates.fonts import DEJAVU, FontSet, register

NAME = "ليلى أحمد"
COURSE = "مقدمة في علم البيانات"
SIGNER = "سارة خالد"
SIGNER_TITLE = "مديرة البرنامج"
FIELD = {"key": "hours", "label": "عدد الساعات", "value": "12"}
ARABIC_LETTERS = re.compile("[\u0621-\u064a]")  # unshaped (logical) Arabic letters
PRESENTATION_FORMS = re.compile("[\ufb50-\ufdff\ufe70-\ufeff]")

needs_dejavu = pytest.mark.skipif(
    not all(os.path.isfile(p) for p in DEJAVU),
    reason="DejaVu Sans is not installed (scripts/setup.sh --system-deps: fonts-dejavu-core)",
)


def drawn(text: str, *, base_dir: str | None = "R") -> str:
    """What the plugin must draw for ``text``, from the libraries themselves."""
    return get_display(arabic_reshaper.reshape(text), base_dir=base_dir)


def layout_text(body: bytes) -> str:
    from pypdf import PdfReader

    return PdfReader(io.BytesIO(body)).pages[0].extract_text(extraction_mode="layout")


def drawn_strings(body: bytes) -> list[tuple[str, float, str]]:
    """``(text, x, font)`` of every string the page shows (``Tj``), decoded with its
    font's ``ToUnicode`` map: x in points from the left edge, font the embedded font's
    name without its subset tag."""
    from pypdf import PdfReader
    from pypdf.generic import ContentStream

    reader = PdfReader(io.BytesIO(body))
    page = reader.pages[0]
    maps: dict[str, tuple[str, dict[int, str]]] = {}
    for key, ref in page["/Resources"]["/Font"].items():
        font = ref.get_object()
        if "/ToUnicode" not in font:
            continue  # a standard Type 1 font (reportlab's initial Helvetica), never shown
        cmap = font["/ToUnicode"].get_object().get_data().decode("latin-1")
        table = {
            int(code, 16): chr(int(uni, 16))
            for code, uni in re.findall(r"<([0-9A-Fa-f]{2})> <([0-9A-Fa-f]{4})>", cmap)
        }
        maps[key] = (str(font["/BaseFont"]).split("+", 1)[-1], table)
    shown: list[tuple[str, float, str]] = []
    font_key, x = "", 0.0
    for operands, operator in ContentStream(page.get_contents(), reader).operations:
        if operator == b"Tf":
            font_key = operands[0]
        elif operator == b"Tm":
            x = float(operands[4])
        elif operator == b"Tj" and font_key in maps:
            name, table = maps[font_key]
            data = operands[0]
            raw = data.get_original_bytes() if hasattr(data, "get_original_bytes") else data
            shown.append(("".join(table[b] for b in bytes(raw)), x, name))
    return shown


def x_of(body: bytes, text: str) -> float:
    (x,) = [x for shown, x, _ in drawn_strings(body) if shown == text]
    return x


def source_cmaps() -> dict[str, dict[int, int]]:
    """The DejaVu Sans and reportlab Vera files by PostScript name: their cmap."""
    import reportlab
    from reportlab.pdfbase.ttfonts import TTFont

    vera = os.path.join(os.path.dirname(reportlab.__file__), "fonts")
    files = [*DEJAVU, os.path.join(vera, "Vera.ttf"), os.path.join(vera, "VeraBd.ttf")]
    cmaps = {}
    for path in files:
        if os.path.isfile(path):
            face = TTFont(f"test-{os.path.basename(path)}", path).face
            name = face.name.decode() if isinstance(face.name, bytes) else face.name
            cmaps[name] = face.charToGlyph
    return cmaps


@pytest.fixture
def arabic_tenant(tenant, db, registry):
    tenant.orm.default_locale = "ar"
    db.flush()
    registry["tenancy.resolver"].invalidate()
    return tenant


@pytest.fixture
def arabic_certificate(
    arabic_tenant,
    user_factory,
    make_course,
    enrol_completed,
    criteria,
    issue_now,
    certificates_of,
    set_template,
    db,
):
    from learninghub.identity import User

    tenant = arabic_tenant
    learner = user_factory(tenant)
    db.get(User, learner.id).display_name = NAME
    db.flush()
    course = make_course(tenant, title=COURSE)
    set_template(
        tenant,
        course,
        signer_name=SIGNER,
        signer_title=SIGNER_TITLE,
        custom_fields=[FIELD],
    )
    enrol_completed(tenant, course, learner)
    criteria.grade(course, learner, "87.5")
    issue_now(tenant, course, learner, base_url=f"http://{tenant.host}")
    (cert,) = certificates_of(tenant, learner)
    return cert, learner


@pytest.fixture
def arabic_pdf(arabic_certificate, arabic_tenant, client):
    cert, learner = arabic_certificate
    r = client(arabic_tenant, learner).get(f"/certificates/{cert.id}/certificate.pdf")
    assert r.status_int == 200 and r.content_type == "application/pdf"
    return r.body


@needs_dejavu
def test_arabic_certificate_is_shaped_and_right_to_left(
    arabic_pdf, arabic_certificate, arabic_tenant
):
    cert, _ = arabic_certificate
    text = layout_text(arabic_pdf)
    expected = [
        drawn(NAME),
        drawn(COURSE),
        drawn("شهادة إتمام"),  # the default title, from the Arabic catalog
        drawn("تُمنح إلى"),  # "presented to"
        drawn("عن الدورة"),  # "for the course"
        drawn("الدرجة: 87.50 %"),
        drawn(f"{FIELD['label']}: {FIELD['value']}"),
        drawn(SIGNER),
        drawn(SIGNER_TITLE),
        drawn(f"الشهادة {cert.code}"),
    ]
    shown = [text for text, _, _ in drawn_strings(arabic_pdf)]
    for line in expected:
        assert line in text, line
        assert line in shown, line
    # the letters are joined: initial/medial/final forms, not the isolated logical ones
    assert drawn(NAME) == "ﺪﻤﺣﺃ ﻰﻠﻴﻟ"
    assert not ARABIC_LETTERS.search(text), "unshaped Arabic letters were drawn"
    # left-to-right text is drawn as it is
    assert f"http://{arabic_tenant.host}/verify/{cert.code}" in text
    # and the document says its language (screen readers, text extraction)
    from pypdf import PdfReader

    assert PdfReader(io.BytesIO(arabic_pdf)).trailer["/Root"]["/Lang"] == "ar"


@needs_dejavu
def test_arabic_certificate_fonts_have_every_glyph(arabic_pdf):
    """Every character shown has a glyph in the font that shows it (no .notdef
    boxes): checked in the source file's cmap, read by reportlab's TrueType parser."""
    cmaps = source_cmaps()
    shown = drawn_strings(arabic_pdf)
    assert {font for _, _, font in shown} == {"DejaVuSans", "DejaVuSans-Bold"}
    for text, _, font in shown:
        missing = [f"U+{ord(c):04X}" for c in text if not cmaps[font].get(ord(c))]
        assert not missing, f"{font} draws .notdef boxes for {missing} in {text!r}"
    assert (drawn(NAME), "DejaVuSans-Bold") in {(t, f) for t, _, f in shown}
    assert PRESENTATION_FORMS.search(drawn(NAME))


@needs_dejavu
def test_arabic_layout_is_mirrored(arabic_pdf, arabic_certificate, arabic_tenant, read_pdf):
    """The signature block moves to the right (right-aligned), the QR code and the
    certificate code to the left; the QR code still decodes."""
    cert, _ = arabic_certificate
    from pypdf import PdfReader

    width = float(PdfReader(io.BytesIO(arabic_pdf)).pages[0].mediabox.width)
    # left-aligned on the left margin (90 pt)
    assert x_of(arabic_pdf, drawn(f"الشهادة {cert.code}")) == pytest.approx(90)
    assert x_of(arabic_pdf, f"http://{arabic_tenant.host}/verify/{cert.code}") == pytest.approx(90)
    # right-aligned on the right margin: the signer's name ends there
    for text, bold, size in ((SIGNER, True, 11), (SIGNER_TITLE, False, 10)):
        font = "lhcert-DejaVuSans-Bold" if bold else "lhcert-DejaVuSans"
        end = x_of(arabic_pdf, drawn(text)) + stringWidth(drawn(text), font, size)
        assert end == pytest.approx(width - 90)
    _, codes = read_pdf(arabic_pdf)
    assert codes == [f"http://{arabic_tenant.host}/verify/{cert.code}"]
    import pypdfium2
    import zxingcpp

    document = pypdfium2.PdfDocument(arabic_pdf)
    try:
        image = document[0].render(scale=2).to_pil()
    finally:
        document.close()
    (qr,) = zxingcpp.read_barcodes(image)
    assert qr.position.top_left.x < image.width / 3


@needs_dejavu
def test_arabic_certificate_screenshot(arabic_pdf):
    """var/screenshots/certificate-ar.png, for a person to look at."""
    import pypdfium2

    document = pypdfium2.PdfDocument(arabic_pdf)
    try:
        image = document[0].render(scale=2).to_pil()
    finally:
        document.close()
    SHOTS.mkdir(parents=True, exist_ok=True)
    image.save(SHOTS / "certificate-ar.png")
    assert image.width > 1000


@needs_dejavu
def test_latin_certificate_keeps_its_layout_and_shapes_an_arabic_name(
    tenant,
    user_factory,
    make_course,
    enrol_completed,
    issue_now,
    certificates_of,
    set_template,
    client,
    db,
):
    """An English certificate keeps its text as written and its layout (signature
    left, QR code and code right); an Arabic learner name on it is shaped and reads
    right to left by itself."""
    from pypdf import PdfReader

    from learninghub.identity import User

    learner = user_factory(tenant)
    db.get(User, learner.id).display_name = NAME
    db.flush()
    course = make_course(tenant, title="Éléments de cryptographie")
    set_template(
        tenant,
        course,
        signer_name="Grace Hopper",
        custom_fields=[{"key": "hours", "label": "Hours", "value": "12"}],
    )
    enrol_completed(tenant, course, learner)
    issue_now(tenant, course, learner, base_url=f"http://{tenant.host}")
    (cert,) = certificates_of(tenant, learner)
    body = client(tenant, learner).get(f"/certificates/{cert.id}/certificate.pdf").body
    text = layout_text(body)
    for line in ("Éléments de cryptographie", "presented to", "Grace Hopper", "Hours: 12"):
        assert line in text
    assert drawn(NAME, base_dir=None) in text
    width = float(PdfReader(io.BytesIO(body)).pages[0].mediabox.width)
    assert x_of(body, "Grace Hopper") == pytest.approx(90)
    code = f"Certificate {cert.code}"
    end = x_of(body, code) + stringWidth(code, "lhcert-DejaVuSans", 8)
    assert end == pytest.approx(width - 90)


def test_rtl_leaves_left_to_right_text_alone():
    for text in ("Zoë Müller-Ødegård", "Éléments (2nd edition)", "Ζωή", "Зоя", "", "12 %"):
        assert rtl.visual(text, rtl=True) == text
        assert rtl.visual(text, rtl=False) == text
        assert rtl.shape(text) == text
    assert not rtl.has_rtl("Zoë") and rtl.has_rtl("Zoë ليلى") and rtl.has_rtl("שלום")


def test_rtl_direction_of_the_paragraph():
    # an Arabic name alone reads right to left on an English certificate too
    assert rtl.visual(NAME, rtl=False) == drawn(NAME, base_dir=None)
    # mixed: the document's direction decides which run comes first (right)
    title = "Python للمبتدئين"
    assert rtl.visual(title, rtl=True) == drawn(title, base_dir="R")
    assert rtl.visual(title, rtl=True).endswith("Python")
    assert rtl.visual(title, rtl=False).startswith("Python")
    # Hebrew is reordered (no shaping needed)
    assert rtl.visual("שלום", rtl=True) == "םולש"
    assert rtl.is_rtl_locale("ar") and rtl.is_rtl_locale("he_IL") and rtl.is_rtl_locale("fa")
    assert not rtl.is_rtl_locale("en") and not rtl.is_rtl_locale("") and not rtl.is_rtl_locale("xx")


def test_rtl_lines_are_broken_before_reordering():
    from learninghub_certificates.fonts import fonts

    font = fonts().regular
    text = "تشهد هذه الوثيقة بإتمام ليلى أحمد دورة مقدمة في علم البيانات بنجاح وتميز كبير"
    lines = rtl.split(text, font, 12, 150, rtl=True)
    assert len(lines) > 1
    # each line is one logical stretch of the shaped text, reordered on its own: the
    # first logical words are on the first line, at its right end
    words = arabic_reshaper.reshape(text).split()
    assert lines[0] == get_display(" ".join(words[: len(lines[0].split())]), base_dir="R")
    assert "".join(lines).replace(" ", "") != text.replace(" ", "")
    assert not any(ARABIC_LETTERS.search(line) for line in lines)
    assert rtl.split("Plain Latin text", font, 12, 1000, rtl=True) == ["Plain Latin text"]


@needs_dejavu
def test_font_fallback_for_missing_glyphs(caplog):
    import reportlab

    folder = os.path.join(os.path.dirname(reportlab.__file__), "fonts")
    vera, vera_bold = (register(os.path.join(folder, f)) for f in ("Vera.ttf", "VeraBd.ttf"))
    dejavu = (register(DEJAVU[0]), register(DEJAVU[1]))
    shaped = rtl.shape(NAME)
    assert PRESENTATION_FORMS.search(shaped)

    with_fallback = FontSet(vera, vera_bold, dejavu)
    assert with_fallback.pick("Ada Lovelace") == vera  # Latin stays in the chosen font
    assert with_fallback.pick(shaped) == dejavu[0]
    assert with_fallback.pick(shaped, bold=True) == dejavu[1]

    alone = FontSet(vera, vera_bold)
    with caplog.at_level(logging.WARNING, logger="learninghub_certificates.fonts"):
        assert alone.pick(shaped) == vera
    assert "U+FEDF" in caplog.text and "boxes" in caplog.text


@needs_dejavu
def test_a_latin_font_path_falls_back_to_dejavu_for_arabic(
    arabic_certificate, arabic_tenant, client, registry, monkeypatch
):
    import reportlab

    vera = os.path.join(os.path.dirname(reportlab.__file__), "fonts", "Vera.ttf")
    monkeypatch.setitem(registry["plugins"].instance_defaults, "certificates", {"font_path": vera})
    cert, learner = arabic_certificate
    body = client(arabic_tenant, learner).get(f"/certificates/{cert.id}/certificate.pdf").body
    fonts = {text: font for text, _, font in drawn_strings(body)}
    assert fonts[drawn(NAME)] == "DejaVuSans-Bold"
    assert fonts[drawn("عن الدورة")] == "DejaVuSans"
    # Latin text stays in font_path's font
    assert fonts[f"http://{arabic_tenant.host}/verify/{cert.code}"] == "BitstreamVeraSans-Roman"
