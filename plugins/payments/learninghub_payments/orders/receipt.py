"""The receipt of a paid order as a PDF (reportlab): the tenant's name, logo and
primary colour, the order number and date, its items, discounts, the tax line with its
rate, the total and the refunds, amounts formatted in the request's locale.

Fonts: DejaVu Sans when the system has it (Debian's ``fonts-dejavu-core``), else the
Bitstream Vera that reportlab bundles (Latin only)."""

from __future__ import annotations

import io
import logging
import os
from decimal import Decimal
from typing import Any

from babel.dates import format_date
from babel.numbers import format_decimal
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from learninghub.branding import HEX_RE, TOKENS
from learninghub.i18n import N_, request_locale
from learninghub.interfaces import IFileStorage

from .. import money

log = logging.getLogger(__name__)

DEJAVU = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
)
RECEIPT = N_("Receipt")
ORDER_NUMBER = N_("Order %(number)s")
DATE = N_("Date: %(date)s")
BILLED_TO = N_("Billed to: %(email)s")
ITEM = N_("Item")
QUANTITY = N_("Qty")
AMOUNT = N_("Amount")
SUBTOTAL = N_("Subtotal")
DISCOUNT = N_("Discount")
TAX_INCLUDED = N_("Tax included (%(rate)s %%)")
TAX_ADDED = N_("Tax (%(rate)s %%)")
TOTAL = N_("Total")
REFUNDED = N_("Refunded on %(date)s")
PAID_WITH = N_("Paid through: %(gateway)s")


def _fonts() -> tuple[str, str]:
    files = DEJAVU
    if not all(os.path.isfile(p) for p in files):
        import reportlab

        base = os.path.join(os.path.dirname(reportlab.__file__), "fonts")
        files = (os.path.join(base, "Vera.ttf"), os.path.join(base, "VeraBd.ttf"))
    names = []
    for path in files:
        name = "lhpay-" + os.path.splitext(os.path.basename(path))[0]
        if name not in pdfmetrics.getRegisteredFontNames():
            pdfmetrics.registerFont(TTFont(name, path))
        names.append(name)
    return names[0], names[1]


def _branding(request) -> dict[str, Any]:
    from learninghub.branding import resolved

    tenant = request.tenant
    theme = request.registry["themes"].resolve(tenant.theme)
    tokens = resolved(request, theme).tokens
    value = tokens.get("color-primary") or TOKENS["color-primary"]
    return {
        "primary": colors.HexColor(value if HEX_RE.match(value) else TOKENS["color-primary"]),
        "logo_key": dict(tenant.branding or {}).get("logo_key"),
    }


def _logo(request, key: str | None) -> ImageReader | None:
    if not key:
        return None
    try:
        data = request.find_service(IFileStorage).read(request.tenant.id, key)
        return ImageReader(io.BytesIO(data))
    except Exception:  # a missing or unreadable logo must not stop the receipt
        log.warning("receipt logo %s could not be read", key, exc_info=True)
        return None


def render(request, order, items, adjustments, refunds, buyer_email: str) -> bytes:
    """The PDF's bytes (one A4 page; long orders continue on further pages)."""
    locale = request_locale(request)
    _ = request.gettext

    def fmt(amount: int) -> str:
        return money.format_amount(amount, order.currency, locale)

    regular, bold = _fonts()
    brand = _branding(request)
    out = io.BytesIO()
    pdf = canvas.Canvas(out, pagesize=A4)
    pdf.setTitle(f"{_(RECEIPT)} {order.number}")
    pdf.setAuthor(request.tenant.name)
    width, height = A4
    left, right = 50, width - 50
    y = height - 60
    logo = _logo(request, brand["logo_key"])
    if logo is not None:
        iw, ih = logo.getSize()
        scale = min(120 / iw, 50 / ih)
        pdf.drawImage(logo, left, y - ih * scale + 20, iw * scale, ih * scale, mask="auto")
        y -= ih * scale + 10
    pdf.setFillColor(brand["primary"])
    pdf.setFont(bold, 20)
    pdf.drawString(left, y, request.tenant.name)
    pdf.drawRightString(right, y, _(RECEIPT))
    y -= 14
    pdf.setStrokeColor(brand["primary"])
    pdf.setLineWidth(2)
    pdf.line(left, y, right, y)
    pdf.setFillColor(colors.black)
    y -= 24
    pdf.setFont(regular, 11)
    when = order.paid_at or order.created_at
    for line in (
        _(ORDER_NUMBER) % {"number": order.number},
        _(DATE) % {"date": format_date(when, format="long", locale=locale)},
        _(BILLED_TO) % {"email": buyer_email},
        _(PAID_WITH) % {"gateway": order.gateway},
    ):
        pdf.drawString(left, y, line)
        y -= 16
    y -= 10

    def row(label: str, qty: str, amount: str, font: str = regular) -> None:
        nonlocal y
        if y < 80:
            pdf.showPage()
            y = height - 60
        pdf.setFont(font, 11)
        pdf.drawString(left, y, label[:70])
        pdf.drawRightString(right - 110, y, qty)
        pdf.drawRightString(right, y, amount)
        y -= 18

    row(_(ITEM), _(QUANTITY), _(AMOUNT), bold)
    pdf.setLineWidth(0.5)
    pdf.line(left, y + 12, right, y + 12)
    for item in items:
        row(item.title, str(item.quantity), fmt(item.subtotal_minor))
    y -= 6
    pdf.line(left, y + 12, right, y + 12)
    row(_(SUBTOTAL), "", fmt(order.subtotal_minor))
    for adj in adjustments:
        label = adj.label or adj.code or _(DISCOUNT)
        row(f"{_(DISCOUNT)}: {label}", "", "-" + fmt(adj.amount_minor))
    rate = format_decimal(Decimal(order.tax_rate_bp) / 100, locale=locale)
    tax_label = TAX_INCLUDED if order.tax_inclusive else TAX_ADDED
    row(_(tax_label) % {"rate": rate}, "", fmt(order.tax_minor))
    row(_(TOTAL), "", fmt(order.total_minor), bold)
    for refund in refunds:
        date = format_date(refund.created_at, format="medium", locale=locale)
        text = _(REFUNDED) % {"date": date}
        if refund.reason:
            text = f"{text}: {refund.reason}"
        row(text, "", "-" + fmt(refund.amount_minor))
    pdf.showPage()
    pdf.save()
    return out.getvalue()
