"""The certificate PDF (reportlab), drawn on demand from the certificate's snapshots.

One landscape A4 page: the tenant's logo, name and primary colour; the template's
title and text; the learner's name and the course's title; the date in the tenant's
language; the grade when there is one; custom fields; the signer's name, title and
signature image (a media image asset); the certificate code and a QR code of the
absolute verification URL.

Fonts: ``font_path`` (instance setting) when set, else DejaVu Sans when the system has
it (Latin, Greek, Cyrillic; Arabic and Hebrew glyphs are drawn unshaped and left to
right), else reportlab's bundled Bitstream Vera (Latin-1 only: other characters show
as boxes). reportlab does no text shaping: scripts that need it (Arabic, Indic) are
not rendered correctly whatever the font.
"""

from __future__ import annotations

import io
import logging
import os
from datetime import datetime
from typing import Any

from babel.dates import format_date
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from learninghub.branding import HEX_RE, TOKENS
from learninghub.i18n import N_, normalize_locale, translations_for
from learninghub.interfaces import IFileStorage

log = logging.getLogger(__name__)

DEJAVU = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
)
ISSUED_ON = N_("Issued on %(date)s")
GRADE = N_("Grade: %(grade)s %%")
CODE = N_("Certificate %(code)s")
VERIFY = N_("Verify at %(url)s")
PRESENTED_TO = N_("presented to")
FOR_COURSE = N_("for the course")


def _font_files(path_setting: str) -> tuple[str, str]:
    if path_setting and os.path.isfile(path_setting):
        return path_setting, path_setting
    if all(os.path.isfile(p) for p in DEJAVU):
        return DEJAVU
    import reportlab

    base = os.path.join(os.path.dirname(reportlab.__file__), "fonts")
    return os.path.join(base, "Vera.ttf"), os.path.join(base, "VeraBd.ttf")


def fonts(path_setting: str = "") -> tuple[str, str]:
    """Names of the (regular, bold) fonts registered with reportlab."""
    regular, bold = _font_files(path_setting)
    names = []
    for path in (regular, bold):
        name = "lhcert-" + os.path.splitext(os.path.basename(path))[0]
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, path))
        names.append(name)
    return names[0], names[1]


def _colour(tokens: dict[str, str], key: str):
    value = tokens.get(key) or TOKENS[key]
    return colors.HexColor(value if HEX_RE.match(value) else TOKENS[key])


def _image(request, key: str | None) -> ImageReader | None:
    if not key:
        return None
    try:
        data = request.find_service(IFileStorage).read(request.tenant.id, key)
        return ImageReader(io.BytesIO(data))
    except Exception:  # a missing or unreadable image must not stop the certificate
        log.warning("certificate image %s could not be read", key, exc_info=True)
        return None


def signature_key(request, asset_id: str | None) -> str | None:
    """Storage key of a ready image asset of the media plugin, else None."""
    if not asset_id:
        return None
    try:
        from learninghub_media.services import get_asset
    except ImportError:
        return None
    asset = get_asset(request.db, asset_id)
    if asset is None or asset.status != "ready" or not asset.content_type.startswith("image/"):
        return None
    return asset.storage_key


def _branding(request) -> dict[str, Any]:
    from learninghub.branding import resolved

    tenant = request.tenant
    theme = request.registry["themes"].resolve(tenant.theme)
    brand = resolved(request, theme)
    data = dict(tenant.branding or {})
    return {"tokens": brand.tokens, "logo_key": data.get("logo_key")}


def tenant_locale(request) -> str:
    return normalize_locale(getattr(request.tenant, "default_locale", "") or "") or "en"


def render(
    request,
    *,
    learner_name: str,
    course_title: str,
    issued_at: datetime,
    grade: str | None,
    template: dict[str, Any],
    code: str,
    verify_url: str,
) -> bytes:
    """The PDF's bytes."""
    locale = tenant_locale(request)
    t = translations_for(request, locale)

    def _(message: str, **mapping: Any) -> str:
        text = t.gettext(message)
        return text % mapping if mapping else text

    regular, bold = fonts(request.plugin_settings("certificates").font_path)
    brand = _branding(request)
    primary = _colour(brand["tokens"], "color-primary")
    text_colour = _colour(brand["tokens"], "color-text")
    muted = _colour(brand["tokens"], "color-muted")
    date_text = format_date(issued_at.date(), format="long", locale=locale)
    values = {
        "learner_name": learner_name,
        "course_title": course_title,
        "date": date_text,
        "grade": grade or "",
        "tenant_name": request.tenant.name,
        **{f["key"]: str(f["value"]) for f in template.get("custom_fields") or []},
    }
    from .services import fill

    buffer = io.BytesIO()
    width, height = landscape(A4)
    pdf = canvas.Canvas(buffer, pagesize=(width, height), pageCompression=1)
    pdf.setTitle(f"{template.get('title', '')} — {learner_name}")
    pdf.setAuthor(request.tenant.name)
    pdf.setSubject(course_title)

    # frame in the tenant's primary colour
    pdf.setStrokeColor(primary)
    pdf.setLineWidth(6)
    pdf.rect(24, 24, width - 48, height - 48)
    pdf.setLineWidth(1.5)
    pdf.rect(36, 36, width - 72, height - 72)

    y = height - 80
    logo = _image(request, brand["logo_key"])
    if logo is not None:
        iw, ih = logo.getSize()
        scale = min(160 / iw, 56 / ih)
        pdf.drawImage(
            logo, (width - iw * scale) / 2, y - ih * scale + 10, iw * scale, ih * scale, mask="auto"
        )
        y -= ih * scale + 6
    pdf.setFillColor(muted)
    pdf.setFont(regular, 13)
    pdf.drawCentredString(width / 2, y - 8, request.tenant.name)
    y -= 56

    pdf.setFillColor(primary)
    pdf.setFont(bold, 30)
    pdf.drawCentredString(width / 2, y, str(template.get("title") or ""))
    y -= 34
    pdf.setFillColor(muted)
    pdf.setFont(regular, 13)
    pdf.drawCentredString(width / 2, y, _(PRESENTED_TO))
    y -= 36
    pdf.setFillColor(text_colour)
    pdf.setFont(bold, 28)
    pdf.drawCentredString(width / 2, y, learner_name)
    y -= 28
    pdf.setFillColor(muted)
    pdf.setFont(regular, 13)
    pdf.drawCentredString(width / 2, y, _(FOR_COURSE))
    y -= 28
    pdf.setFillColor(text_colour)
    pdf.setFont(bold, 20)
    for line in simpleSplit(course_title, bold, 20, width - 200):
        pdf.drawCentredString(width / 2, y, line)
        y -= 24
    y -= 6
    pdf.setFont(regular, 12)
    body = fill(str(template.get("body") or ""), values)
    for line in simpleSplit(body, regular, 12, width - 220)[:6]:
        pdf.drawCentredString(width / 2, y, line)
        y -= 16
    y -= 4
    pdf.drawCentredString(width / 2, y, _(ISSUED_ON, date=date_text))
    y -= 16
    if grade:
        pdf.drawCentredString(width / 2, y, _(GRADE, grade=grade))
        y -= 16
    for item in (template.get("custom_fields") or [])[:6]:
        pdf.drawCentredString(width / 2, y, f"{item['label']}: {item['value']}")
        y -= 16

    # signature block, bottom left
    sx, sy = 90, 80
    signature = _image(request, signature_key(request, template.get("signature_asset_id")))
    if signature is not None:
        iw, ih = signature.getSize()
        scale = min(170 / iw, 50 / ih)
        pdf.drawImage(signature, sx, sy + 34, iw * scale, ih * scale, mask="auto")
    if template.get("signer_name") or signature is not None:
        pdf.setStrokeColor(muted)
        pdf.setLineWidth(0.8)
        pdf.line(sx, sy + 30, sx + 200, sy + 30)
    pdf.setFillColor(text_colour)
    pdf.setFont(bold, 11)
    pdf.drawString(sx, sy + 16, str(template.get("signer_name") or ""))
    pdf.setFont(regular, 10)
    pdf.drawString(sx, sy + 3, str(template.get("signer_title") or ""))

    # QR code and code, bottom right
    size = 96
    widget = QrCodeWidget(verify_url, barLevel="M")
    x1, y1, x2, y2 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x2 - x1), 0, 0, size / (y2 - y1), 0, 0])
    drawing.add(widget)
    qx, qy = width - 90 - size, 64
    renderPDF.draw(drawing, pdf, qx, qy)
    pdf.setFont(regular, 8)
    pdf.setFillColor(muted)
    pdf.drawRightString(width - 90, qy - 2, _(CODE, code=code))
    pdf.drawRightString(width - 90, qy - 12, verify_url)
    pdf.linkURL(verify_url, (qx, qy, qx + size, qy + size), relative=0)

    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def certificate_pdf(request, certificate) -> bytes:
    from .services import hundredths_to_percent, verify_url

    grade = hundredths_to_percent(certificate.grade)
    return render(
        request,
        learner_name=certificate.learner_name,
        course_title=certificate.course_title,
        issued_at=certificate.issued_at,
        grade=str(grade) if grade is not None else None,
        template=certificate.template or {},
        code=certificate.code,
        verify_url=verify_url(certificate),
    )
