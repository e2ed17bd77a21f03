"""The certificate PDF (reportlab), drawn on demand from the certificate's snapshots.

One landscape A4 page: the tenant's logo, name and primary colour; the template's
title and text; the learner's name and the course's title; the date in the tenant's
language; the grade when there is one; custom fields; the signer's name, title and
signature image (a media image asset); the certificate code and a QR code of the
absolute verification URL.

Every string goes through :mod:`.rtl` (Arabic shaped, right-to-left text in visual
order; left-to-right text unchanged) and is drawn with a font that has its glyphs
(:mod:`.fonts`). When the tenant's language is written right to left the layout is
mirrored: centred lines stay centred, the signature block moves to the bottom right
and is right-aligned, the QR code and certificate code to the bottom left.
"""

from __future__ import annotations

import io
import logging
from datetime import datetime
from typing import Any

from babel.dates import format_date
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen import canvas

from learninghub.branding import HEX_RE, TOKENS
from learninghub.i18n import N_, normalize_locale, translations_for
from learninghub.interfaces import IFileStorage

from . import rtl
from .fonts import FontSet, fonts

log = logging.getLogger(__name__)

ISSUED_ON = N_("Issued on %(date)s")
GRADE = N_("Grade: %(grade)s %%")
CODE = N_("Certificate %(code)s")
VERIFY = N_("Verify at %(url)s")
PRESENTED_TO = N_("presented to")
FOR_COURSE = N_("for the course")


class _Writer:
    """Draws strings on ``pdf`` as they read: shaped and reordered when right to left
    (``right_to_left``: the document's direction), each in a font that has its glyphs."""

    def __init__(self, pdf: canvas.Canvas, font_set: FontSet, *, right_to_left: bool) -> None:
        self.pdf = pdf
        self.fonts = font_set
        self.right_to_left = right_to_left

    def draw(
        self, x: float, y: float, text: str, size: float, *, bold: bool = False, align: str
    ) -> None:
        """One line at ``x``: ``align`` is ``centre``, ``left`` or ``right``."""
        self.pdf.setFont(self.fonts.pick(rtl.shape(text), bold=bold), size)
        line = rtl.visual(text, rtl=self.right_to_left)
        if align == "centre":
            self.pdf.drawCentredString(x, y, line)
        elif align == "right":
            self.pdf.drawRightString(x, y, line)
        else:
            self.pdf.drawString(x, y, line)

    def centred_lines(
        self,
        x: float,
        y: float,
        text: str,
        size: float,
        *,
        width: float,
        leading: float,
        bold: bool = False,
        max_lines: int | None = None,
    ) -> float:
        """``text`` wrapped to ``width`` and centred on ``x`` from ``y`` down; the ``y``
        below the last line."""
        font = self.fonts.pick(rtl.shape(text), bold=bold)
        self.pdf.setFont(font, size)
        for line in rtl.split(text, font, size, width, rtl=self.right_to_left)[:max_lines]:
            self.pdf.drawCentredString(x, y, line)
            y -= leading
        return y


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
    """The certificate's language: the tenant's default, else English."""
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

    right_to_left = rtl.is_rtl_locale(locale)
    font_set = fonts(request.plugin_settings("certificates").font_path)
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
    pdf = canvas.Canvas(
        buffer, pagesize=(width, height), pageCompression=1, lang=locale.replace("_", "-")
    )
    # document properties are Unicode text in logical order: viewers lay them out
    pdf.setTitle(f"{template.get('title', '')} — {learner_name}")
    pdf.setAuthor(request.tenant.name)
    pdf.setSubject(course_title)
    write = _Writer(pdf, font_set, right_to_left=right_to_left)
    centre = width / 2

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
    write.draw(centre, y - 8, request.tenant.name, 13, align="centre")
    y -= 56

    pdf.setFillColor(primary)
    write.draw(centre, y, str(template.get("title") or ""), 30, bold=True, align="centre")
    y -= 34
    pdf.setFillColor(muted)
    write.draw(centre, y, _(PRESENTED_TO), 13, align="centre")
    y -= 36
    pdf.setFillColor(text_colour)
    write.draw(centre, y, learner_name, 28, bold=True, align="centre")
    y -= 28
    pdf.setFillColor(muted)
    write.draw(centre, y, _(FOR_COURSE), 13, align="centre")
    y -= 28
    pdf.setFillColor(text_colour)
    y = write.centred_lines(centre, y, course_title, 20, width=width - 200, leading=24, bold=True)
    y -= 6
    body = fill(str(template.get("body") or ""), values)
    y = write.centred_lines(centre, y, body, 12, width=width - 220, leading=16, max_lines=6)
    y -= 4
    write.draw(centre, y, _(ISSUED_ON, date=date_text), 12, align="centre")
    y -= 16
    if grade:
        write.draw(centre, y, _(GRADE, grade=grade), 12, align="centre")
        y -= 16
    for item in (template.get("custom_fields") or [])[:6]:
        # one string, so that in a right-to-left document the label reads first (right)
        write.draw(centre, y, f"{item['label']}: {item['value']}", 12, align="centre")
        y -= 16

    # The signature block sits where reading starts (bottom left, or bottom right in a
    # right-to-left document, right-aligned); the QR code and code on the other side.
    margin, sy, line_width = 90, 80, 200
    if right_to_left:
        start, start_align, end, end_align = width - margin, "right", margin, "left"
    else:
        start, start_align, end, end_align = margin, "left", width - margin, "right"
    signature = _image(request, signature_key(request, template.get("signature_asset_id")))
    if signature is not None:
        iw, ih = signature.getSize()
        scale = min(170 / iw, 50 / ih)
        sx = start - iw * scale if right_to_left else start
        pdf.drawImage(signature, sx, sy + 34, iw * scale, ih * scale, mask="auto")
    if template.get("signer_name") or signature is not None:
        pdf.setStrokeColor(muted)
        pdf.setLineWidth(0.8)
        lx = start - line_width if right_to_left else start
        pdf.line(lx, sy + 30, lx + line_width, sy + 30)
    pdf.setFillColor(text_colour)
    write.draw(
        start, sy + 16, str(template.get("signer_name") or ""), 11, bold=True, align=start_align
    )
    write.draw(start, sy + 3, str(template.get("signer_title") or ""), 10, align=start_align)

    size = 96
    widget = QrCodeWidget(verify_url, barLevel="M")
    x1, y1, x2, y2 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x2 - x1), 0, 0, size / (y2 - y1), 0, 0])
    drawing.add(widget)
    qx, qy = (end, 64) if right_to_left else (end - size, 64)
    renderPDF.draw(drawing, pdf, qx, qy)
    pdf.setFillColor(muted)
    write.draw(end, qy - 2, _(CODE, code=code), 8, align=end_align)
    write.draw(end, qy - 12, verify_url, 8, align=end_align)
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
