"""Tenant branding: colours, fonts, logo, favicon, custom CSS, footer links and email
identity (the data layout is documented in :mod:`learninghub.branding`).

* Page ``/admin/branding`` (GET, POST with ``action`` = ``save``, ``upload_logo``,
  ``remove_logo``, ``upload_favicon``, ``remove_favicon``).
* API ``GET/PATCH /api/v1/tenant/branding``; ``PUT/DELETE /api/v1/tenant/branding/logo``
  and ``/favicon`` (raw image body with its Content-Type).
* Public files of the request's tenant: ``/branding/logo``, ``/branding/favicon``,
  ``/branding/custom.css`` — cached for a year when ``?v=`` names the current version.

Rules, the same for page and API (permission ``tenant:settings:manage``): colours are
hex (``#rgb`` or ``#rrggbb``, stored as lower-case ``#rrggbb``); the palette, merged
over the theme's and the kernel's defaults, must give every text pair of
:data:`learninghub.branding.CONTRAST_PAIRS` at least 4.5:1; custom CSS goes through
:func:`learninghub.cssguard.sanitize_css` and is stored re-serialized; footer links
(at most 10) point to ``https://``, ``http://`` or a local path; images are at most
1 MB, sniffed from their first bytes (logo PNG/JPEG/WebP, favicon PNG/ICO; never SVG).
Every change emits ``tenant.branding_changed`` with the changed field names.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
import unicodedata
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.response import Response

from .. import branding as brand
from ..api import ProblemError, api_view
from ..cssguard import MAX_CSS_BYTES, CSSRejected, sanitize_css
from ..i18n import N_
from ..interfaces import IFileStorage
from ..permissions import KernelPermission as K
from ..tenancy import Tenant
from ..web import require_tenant
from . import gate, render_page

log = logging.getLogger("learninghub.branding")

BRANDING_PAGE = "admin/branding.jinja2"
MAX_FOOTER_LINKS = 10
UPLOAD_MAX_BYTES = 1024 * 1024
LONG_CACHE = "public, max-age=31536000, immutable"
SHORT_CACHE = "public, max-age=60"
RADIUS_RE = re.compile(r"^\d{1,2}(?:\.\d+)?(?:px|rem)$")
LINK_URL_RE = re.compile(r"^(?:https?://[^\s/?#]+[^\s]*|/(?![/\\])[^\s\\]*)$", re.IGNORECASE)
TOKEN_LABELS = {
    "color-primary": N_("Primary colour (buttons, header)"),
    "color-on-primary": N_("Text on the primary colour"),
    "color-background": N_("Page background"),
    "color-surface": N_("Surface (cards, forms, tables)"),
    "color-text": N_("Text"),
    "color-muted": N_("Secondary text"),
    "color-link": N_("Links"),
    "color-accent": N_("Accent (errors, danger)"),
    "color-focus": N_("Keyboard focus ring"),
    "radius": N_("Corner radius"),
}
#: extension -> Content-Type served
CONTENT_TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "webp": "image/webp",
    "ico": "image/x-icon",
}


@dataclass(frozen=True)
class ImageKind:
    name: str
    #: declared Content-Type (API uploads) -> extension the bytes must sniff as
    types: dict[str, str]

    @property
    def extensions(self) -> frozenset[str]:
        return frozenset(self.types.values())


IMAGE_KINDS = {
    "logo": ImageKind("logo", {"image/png": "png", "image/jpeg": "jpg", "image/webp": "webp"}),
    "favicon": ImageKind(
        "favicon",
        {"image/png": "png", "image/x-icon": "ico", "image/vnd.microsoft.icon": "ico"},
    ),
}


def sniff_image(data: bytes) -> str | None:
    """The extension the bytes really are (``png``, ``jpg``, ``webp``, ``ico``) or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR":
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if len(data) >= 16 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if len(data) >= 22 and data[:4] == b"\x00\x00\x01\x00" and data[4:6] != b"\x00\x00":
        return "ico"
    return None


def _looks_like_svg(data: bytes) -> bool:
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith(b"<") or b"<svg" in head


def check_image(request, kind: ImageKind, data: bytes, declared: str | None = None) -> str:
    """The extension of a valid ``kind`` image, else a 413/415/422 ProblemError."""
    _ = request.gettext
    if len(data) > UPLOAD_MAX_BYTES:
        raise ProblemError(413, "Payload too large", _("Images are limited to 1 MB."))
    if not data:
        raise ProblemError(422, "Validation failed", _("The file is empty."))
    if (declared or "").startswith("image/svg") or _looks_like_svg(data):
        raise ProblemError(
            415,
            "Unsupported media type",
            _("SVG images are not accepted: they can carry scripts. Upload a PNG instead."),
        )
    if declared is not None and declared not in kind.types:
        raise ProblemError(
            415, "Unsupported media type", _("Send one of %(types)s.", types=", ".join(kind.types))
        )
    found = sniff_image(data)
    wanted = kind.types[declared] if declared is not None else None
    if found is None or found not in kind.extensions or (wanted and found != wanted):
        names = ", ".join(sorted({e.upper() for e in kind.extensions}))
        raise ProblemError(
            415,
            "Unsupported media type",
            _("The file is not a %(types)s image.", types=names),
        )
    return found


# ----------------------------------------------------------------- models


def _no_controls(value: str, allow: str = "") -> str:
    if any(unicodedata.category(ch) == "Cc" and ch not in allow for ch in value):
        raise ValueError("must not contain control characters")
    return value


class FooterLink(BaseModel):
    model_config = ConfigDict(extra="forbid")
    title: str = Field(min_length=1, max_length=80)
    url: str = Field(
        min_length=1,
        max_length=500,
        description="https://..., http://... or a local path starting with /",
    )

    @field_validator("title")
    @classmethod
    def _title(cls, value: str) -> str:
        value = _no_controls(value.strip())
        if not value:
            raise ValueError("enter the link's title")
        return value

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        value = value.strip()
        if not LINK_URL_RE.match(value):
            raise ValueError("use an address starting with https://, http:// or /")
        return value


class ContrastOut(BaseModel):
    foreground: str
    background: str
    ratio: float
    passes: bool


class BrandingOut(BaseModel):
    tokens: dict[str, str] = Field(description="the tenant's own token choices")
    effective_tokens: dict[str, str] = Field(description="merged over theme and kernel defaults")
    contrast: list[ContrastOut]
    font: str = Field(description='a key of the offered fonts; "" follows the theme')
    heading_font: str = Field(description='"" uses the body font')
    custom_css: str
    footer_links: list[FooterLink]
    email_sender_name: str
    email_footer: str
    logo_url: str | None
    favicon_url: str | None
    custom_css_url: str | None


class BrandingChange(BaseModel):
    """Fields to change; absent fields stay. In ``tokens``, ``null`` restores the theme's
    value. Empty strings clear text fields."""

    model_config = ConfigDict(extra="forbid")
    tokens: dict[str, str | None] | None = None
    font: str | None = Field(None, max_length=40)
    heading_font: str | None = Field(None, max_length=40)
    custom_css: str | None = Field(None, max_length=MAX_CSS_BYTES)
    footer_links: list[FooterLink] | None = Field(None, max_length=MAX_FOOTER_LINKS)
    email_sender_name: str | None = Field(None, max_length=100)
    email_footer: str | None = Field(None, max_length=1000)


# ----------------------------------------------------------------- operations


def _tenant_row(request) -> Tenant:
    tenant = request.db.get(Tenant, request.tenant.id)
    if tenant is None:
        raise ProblemError(404, "Not found", "no tenant answers on this host")
    return tenant


def _theme(request):
    return request.registry["themes"].resolve(request.tenant.theme)


def theme_tokens(request) -> dict[str, str]:
    """Kernel defaults overlaid with the theme's (what a token falls back to)."""
    theme = _theme(request)
    return brand.merged_tokens(theme.tokens if theme else None, None)


def contrast_rows(tokens: dict[str, str]) -> list[ContrastOut]:
    rows = []
    for fg, bg in brand.CONTRAST_PAIRS:
        try:
            ratio = round(brand.contrast_ratio(tokens[fg], tokens[bg]), 2)
        except ValueError:
            continue
        rows.append(ContrastOut(foreground=fg, background=bg, ratio=ratio, passes=ratio >= 4.5))
    return rows


def contrast_message(request, failure: brand.ContrastFailure) -> str:
    """:meth:`ContrastFailure.message`, translated."""
    return request.gettext(
        "%(foreground)s on %(background)s has a contrast ratio of %(ratio)s:1; "
        "at least %(minimum)s:1 is needed for text",
        foreground=failure.foreground,
        background=failure.background,
        ratio=f"{failure.ratio:.2f}",
        minimum=brand.MIN_CONTRAST,
    )


def branding_out(request, data: dict[str, Any] | None = None) -> BrandingOut:
    if data is None:
        data = dict(_tenant_row(request).branding or {})
    tokens = {k: str(v) for k, v in (data.get("tokens") or {}).items() if k in brand.TOKENS}
    theme = _theme(request)
    effective = brand.merged_tokens(theme.tokens if theme else None, tokens)
    version = data.get

    def url(kind: str, present: bool) -> str | None:
        path = "custom.css" if kind == "custom_css" else kind
        return f"/branding/{path}?v={version(kind + '_version', '')}" if present else None

    return BrandingOut(
        tokens=tokens,
        effective_tokens=effective,
        contrast=contrast_rows(effective),
        font=str(data.get("font") or ""),
        heading_font=str(data.get("heading_font") or ""),
        custom_css=str(data.get("custom_css") or ""),
        footer_links=[
            FooterLink.model_construct(title=str(x.get("title", "")), url=str(x.get("url", "")))
            for x in data.get("footer_links") or []
            if isinstance(x, dict)
        ],
        email_sender_name=str(data.get("email_sender_name") or ""),
        email_footer=str(data.get("email_footer") or ""),
        logo_url=url("logo", bool(data.get("logo_key"))),
        favicon_url=url("favicon", bool(data.get("favicon_key"))),
        custom_css_url=url("custom_css", bool(data.get("custom_css"))),
    )


def _error(path: list[Any], message: str, type: str = "value_error", **extra: Any):
    return {"path": ["body", *path], "message": message, "type": type, **extra}


def build_branding(
    request, current: dict[str, Any], change: BrandingChange
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The new ``tenants.branding`` value and the list of errors (problem+json
    ``errors`` entries; contrast failures carry ``foreground``, ``background``,
    ``ratio`` and ``required``)."""
    _ = request.gettext
    data = dict(current)
    errors: list[dict[str, Any]] = []
    if change.tokens is not None:
        tokens = {k: v for k, v in (data.get("tokens") or {}).items() if k in brand.TOKENS}
        for key, value in change.tokens.items():
            if key not in brand.TOKENS:
                errors.append(_error(["tokens", key], _("Unknown design token.")))
                continue
            if value is None or value.strip() == "":
                tokens.pop(key, None)
                continue
            value = value.strip().lower()
            if key in brand.COLOR_TOKENS:
                try:
                    r, g, b = brand.parse_hex(value)
                except ValueError:
                    errors.append(
                        _error(["tokens", key], _("Enter a colour such as #1d3557."), "colour")
                    )
                    continue
                value = f"#{r:02x}{g:02x}{b:02x}"
            elif key == "radius" and not RADIUS_RE.match(value):
                errors.append(_error(["tokens", key], _("Enter a size such as 6px or 0.5rem.")))
                continue
            tokens[key] = value
        if not errors:
            theme = _theme(request)
            merged = brand.merged_tokens(theme.tokens if theme else None, tokens)
            for failure in brand.check_palette(merged):
                errors.append(
                    _error(
                        ["tokens", failure.foreground],
                        contrast_message(request, failure),
                        "contrast",
                        foreground=failure.foreground,
                        background=failure.background,
                        ratio=failure.ratio,
                        required=brand.MIN_CONTRAST,
                    )
                )
        data["tokens"] = tokens
    for field in ("font", "heading_font"):
        value = getattr(change, field)
        if value is None:
            continue
        if value and value not in brand.FONTS:
            errors.append(_error([field], _("Choose one of the offered fonts.")))
        data[field] = value
    if change.custom_css is not None:
        try:
            css = sanitize_css(change.custom_css.replace("\r\n", "\n"))
        except CSSRejected as exc:
            errors.append(_error(["custom_css"], _(exc.message, **exc.params), "css"))
        else:
            if css:
                data["custom_css"] = css
                data["custom_css_version"] = hashlib.sha256(css.encode()).hexdigest()[:16]
            else:
                data.pop("custom_css", None)
                data.pop("custom_css_version", None)
    if change.footer_links is not None:
        data["footer_links"] = [link.model_dump() for link in change.footer_links]
    if change.email_sender_name is not None:
        name = change.email_sender_name.strip()
        if any(unicodedata.category(ch) == "Cc" for ch in name) or any(c in name for c in "<>"):
            errors.append(
                _error(["email_sender_name"], _("Use letters, digits and punctuation only."))
            )
        data["email_sender_name"] = name
    if change.email_footer is not None:
        footer = change.email_footer.replace("\r\n", "\n").strip()
        if any(unicodedata.category(ch) == "Cc" and ch not in "\n\t" for ch in footer):
            errors.append(_error(["email_footer"], _("Remove the control characters.")))
        data["email_footer"] = footer
    # empty values are "not set": keep the stored JSON to what was chosen
    return {k: v for k, v in data.items() if v not in ("", [], {}, None)}, errors


def _changed_fields(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))


def _save(request, tenant: Tenant, before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    changed = _changed_fields(before, after)
    if changed:
        tenant.branding = after  # a new dict: the JSON column sees the change
        request.db.flush()
        request.emit(
            "tenant.branding_changed",
            resource_type="tenant",
            resource_id=str(tenant.id),
            payload={"changed": changed},
        )
        request.registry["tenancy.resolver"].invalidate(request.tm)
    return changed


def apply_change(request, change: BrandingChange) -> BrandingOut:
    tenant = _tenant_row(request)
    before = dict(tenant.branding or {})
    after, errors = build_branding(request, before, change)
    if errors:
        raise ProblemError(
            422,
            "Invalid branding",
            "; ".join(e["message"] for e in errors),
            errors=errors,
        )
    _save(request, tenant, before, after)
    return branding_out(request, after)


def _delete_after(request, commit_key: str, abort_key: str) -> None:
    """Delete ``commit_key`` once the transaction commits, ``abort_key`` if it aborts."""
    storage = request.find_service(IFileStorage)
    tenant_id = request.tenant.id

    def delete(key: str) -> None:
        if key:
            try:
                storage.delete(tenant_id, key)
            except Exception:  # a leftover file is harmless
                log.exception("could not delete branding file %s", key)

    txn = request.tm.get()
    txn.addAfterCommitHook(lambda ok: delete(commit_key if ok else abort_key))
    txn.addAfterAbortHook(delete, args=(abort_key,))


def set_image(request, kind: ImageKind, data: bytes, extension: str) -> BrandingOut:
    tenant = _tenant_row(request)
    before = dict(tenant.branding or {})
    key = f"branding/{kind.name}-{secrets.token_hex(8)}.{extension}"
    request.find_service(IFileStorage).save(
        request.tenant.id, key, data, content_type=CONTENT_TYPES[extension]
    )
    _delete_after(request, before.get(f"{kind.name}_key", ""), key)
    after = dict(before)
    after[f"{kind.name}_key"] = key
    after[f"{kind.name}_version"] = hashlib.sha256(data).hexdigest()[:16]
    _save(request, tenant, before, after)
    return branding_out(request, after)


def remove_image(request, kind: ImageKind) -> None:
    tenant = _tenant_row(request)
    before = dict(tenant.branding or {})
    after = dict(before)
    old = after.pop(f"{kind.name}_key", "")
    after.pop(f"{kind.name}_version", None)
    if old:
        _delete_after(request, old, "")
        _save(request, tenant, before, after)


def read_body_image(request, kind: ImageKind) -> tuple[bytes, str]:
    """The raw request body as ``(data, extension)``, or a 413/415/422 problem."""
    declared = (request.content_type or "").lower()
    if request.content_length and request.content_length > UPLOAD_MAX_BYTES:
        raise ProblemError(413, "Payload too large", request.gettext("Images are limited to 1 MB."))
    data = request.body_file.read(UPLOAD_MAX_BYTES + 1)
    return data, check_image(request, kind, data, declared)


# ----------------------------------------------------------------- API


@api_view(
    "api.tenant.branding",
    "/api/v1/tenant/branding",
    "GET",
    response=BrandingOut,
    permission=K.SETTINGS_MANAGE,
    summary="The tenant's branding, the effective palette and its contrast ratios",
)
def branding_get(request) -> BrandingOut:
    return branding_out(request)


@api_view(
    "api.tenant.branding",
    "/api/v1/tenant/branding",
    "PATCH",
    body=BrandingChange,
    response=BrandingOut,
    permission=K.SETTINGS_MANAGE,
    summary="Change colours, fonts, custom CSS, footer links or email identity",
)
def branding_patch(request, body: BrandingChange) -> BrandingOut:
    return apply_change(request, body)


LOGO, FAVICON = IMAGE_KINDS["logo"], IMAGE_KINDS["favicon"]


@api_view(
    "api.tenant.branding.logo",
    "/api/v1/tenant/branding/logo",
    "PUT",
    response=BrandingOut,
    permission=K.SETTINGS_MANAGE,
    summary="Upload the logo (raw body: image/png, image/jpeg or image/webp; at most 1 MB)",
)
def logo_put(request) -> BrandingOut:
    data, extension = read_body_image(request, LOGO)
    return set_image(request, LOGO, data, extension)


@api_view(
    "api.tenant.branding.logo",
    "/api/v1/tenant/branding/logo",
    "DELETE",
    status=204,
    permission=K.SETTINGS_MANAGE,
    summary="Remove the logo",
)
def logo_delete(request) -> None:
    remove_image(request, LOGO)


@api_view(
    "api.tenant.branding.favicon",
    "/api/v1/tenant/branding/favicon",
    "PUT",
    response=BrandingOut,
    permission=K.SETTINGS_MANAGE,
    summary="Upload the favicon (raw body: image/png or image/x-icon; at most 1 MB)",
)
def favicon_put(request) -> BrandingOut:
    data, extension = read_body_image(request, FAVICON)
    return set_image(request, FAVICON, data, extension)


@api_view(
    "api.tenant.branding.favicon",
    "/api/v1/tenant/branding/favicon",
    "DELETE",
    status=204,
    permission=K.SETTINGS_MANAGE,
    summary="Remove the favicon",
)
def favicon_delete(request) -> None:
    remove_image(request, FAVICON)


# ----------------------------------------------------------------- public files


def _cache(request, response: Response, version: str) -> Response:
    response.etag = version or None
    current = bool(version) and request.GET.get("v") == version
    response.headers["Cache-Control"] = LONG_CACHE if current else SHORT_CACHE
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'"
    return response


def serve_image(request, kind: ImageKind) -> Response:
    tenant = require_tenant(request)
    data = tenant.branding or {}
    key = str(data.get(f"{kind.name}_key") or "")
    extension = key.rsplit(".", 1)[-1]
    if not key or extension not in kind.extensions:
        raise HTTPNotFound()
    try:
        body = request.find_service(IFileStorage).read(tenant.id, key)
    except KeyError:
        raise HTTPNotFound() from None
    response = Response(body=body, content_type=CONTENT_TYPES[extension], conditional_response=True)
    return _cache(request, response, str(data.get(f"{kind.name}_version") or ""))


def logo_view(request) -> Response:
    return serve_image(request, IMAGE_KINDS["logo"])


def favicon_view(request) -> Response:
    return serve_image(request, IMAGE_KINDS["favicon"])


def custom_css_view(request) -> Response:
    tenant = require_tenant(request)
    data = tenant.branding or {}
    css = str(data.get("custom_css") or "")
    if not css:
        raise HTTPNotFound()
    response = Response(
        body=css.encode("utf-8"),
        content_type="text/css",
        charset="utf-8",
        conditional_response=True,
    )
    return _cache(request, response, str(data.get("custom_css_version") or ""))


# ----------------------------------------------------------------- page


def _page_values(request, data: dict[str, Any]) -> dict[str, Any]:
    out = branding_out(request, data)
    links = [link.model_dump() for link in out.footer_links]
    links += [{"title": "", "url": ""}] * (MAX_FOOTER_LINKS - len(links))
    return {
        "tokens": out.effective_tokens,
        "font": out.font,
        "heading_font": out.heading_font,
        "custom_css": out.custom_css,
        "footer_links": links,
        "email_sender_name": out.email_sender_name,
        "email_footer": out.email_footer,
    }


def _form_change(request, defaults: dict[str, str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(raw form values for re-display, BrandingChange arguments)."""
    post = request.POST
    tokens: dict[str, str | None] = {}
    shown = dict(defaults)
    for key in brand.TOKENS:
        value = post.get(f"token-{key}", "").strip()
        shown[key] = value
        # a value equal to the theme's is no override: the site follows the theme
        tokens[key] = None if value.lower() == defaults[key].lower() else value
    links = []
    raw_links = []
    for i in range(MAX_FOOTER_LINKS):
        title = post.get(f"link-{i}-title", "").strip()
        url = post.get(f"link-{i}-url", "").strip()
        raw_links.append({"title": title, "url": url})
        if title or url:
            links.append({"title": title, "url": url})
    raw = {
        "tokens": shown,
        "font": post.get("font", ""),
        "heading_font": post.get("heading_font", ""),
        "custom_css": post.get("custom_css", ""),
        "footer_links": raw_links,
        "email_sender_name": post.get("email_sender_name", ""),
        "email_footer": post.get("email_footer", ""),
    }
    change = {k: v for k, v in raw.items() if k not in ("tokens", "footer_links")}
    change["tokens"] = tokens
    change["footer_links"] = links
    return raw, change


def _field_of(path: list[Any], links: list[dict[str, str]]) -> str:
    """The page's field id for an error path (``body`` first)."""
    parts = [str(p) for p in path[1:]]
    if parts[:1] == ["tokens"] and len(parts) > 1:
        return f"token-{parts[1]}"
    if parts[:1] == ["footer_links"] and len(parts) > 1 and parts[1].isdigit():
        # index among the filled rows -> index among the page's rows
        filled = [i for i, link in enumerate(links) if link["title"] or link["url"]]
        n = int(parts[1])
        row = filled[n] if n < len(filled) else n
        return f"link-{row}-{parts[2] if len(parts) > 2 else 'title'}"
    return parts[0] if parts else "form"


def _pydantic_errors(request, exc: ValidationError) -> list[dict[str, Any]]:
    _ = request.gettext
    errors = []
    for err in exc.errors(include_url=False):
        loc = list(err["loc"])
        field = str(loc[0]) if loc else ""
        if field == "footer_links" and loc[-1] == "url":
            message = _("Use an address starting with https://, http:// or /.")
        elif field == "footer_links" and loc[-1] == "title":
            message = _("Enter the link's title.")
        elif field == "custom_css":
            message = _("The stylesheet is over %(limit)s KB.", limit=MAX_CSS_BYTES // 1024)
        else:
            message = _("Enter a shorter value.")
        errors.append({"path": ["body", *loc], "message": message})
    return errors


def _upload_from_form(request, kind: ImageKind) -> None:
    upload = request.POST.get("file")
    if upload is None or not hasattr(upload, "file"):
        raise ProblemError(422, "Validation failed", request.gettext("Choose a file to upload."))
    data = upload.file.read(UPLOAD_MAX_BYTES + 1)
    extension = check_image(request, kind, data)
    set_image(request, kind, data, extension)


def branding_page(request):
    denied = gate(request, K.SETTINGS_MANAGE)
    if denied is not None:
        return denied
    _ = request.gettext
    defaults = theme_tokens(request)
    tenant = _tenant_row(request)
    values = _page_values(request, dict(tenant.branding or {}))
    errors: list[dict[str, Any]] = []
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "save")
        try:
            if action == "save":
                # on refusal the page shows what was typed
                values, change_args = _form_change(request, defaults)
                try:
                    change = BrandingChange(**change_args)
                except ValidationError as exc:
                    raise ProblemError(
                        422, "Invalid branding", errors=_pydantic_errors(request, exc)
                    ) from None
                apply_change(request, change)
            elif action in ("upload_logo", "upload_favicon"):
                _upload_from_form(request, IMAGE_KINDS[action.split("_", 1)[1]])
            elif action in ("remove_logo", "remove_favicon"):
                remove_image(request, IMAGE_KINDS[action.split("_", 1)[1]])
            else:
                raise ProblemError(400, "Bad request", _("Unknown action."))
        except ProblemError as exc:
            status = exc.status
            field = action.split("_", 1)[1] if action.startswith("upload_") else "form"
            errors = exc.errors or [{"path": ["body", field], "message": exc.detail}]
        else:
            return HTTPSeeOther(location=f"/admin/branding?saved={action}")
    flash = ""
    saved = request.GET.get("saved")
    if saved:
        flash = {
            "upload_logo": _("Logo uploaded."),
            "remove_logo": _("Logo removed."),
            "upload_favicon": _("Favicon uploaded."),
            "remove_favicon": _("Favicon removed."),
        }.get(saved, _("Branding saved."))
    shown_errors = [
        {"field": _field_of(e["path"], values["footer_links"]), "message": e["message"]}
        for e in errors
    ]
    field_errors: dict[str, list[str]] = {}
    for e in shown_errors:
        field_errors.setdefault(e["field"], []).append(e["message"])
    palette = dict(defaults)
    palette.update(
        {
            k: v
            for k, v in values["tokens"].items()
            if k in brand.COLOR_TOKENS and brand.HEX_RE.match(v)
        }
    )
    current = branding_out(request, dict(_tenant_row(request).branding or {}))
    return render_page(
        request,
        BRANDING_PAGE,
        status,
        section="/admin/branding",
        values=values,
        defaults=defaults,
        color_tokens=brand.COLOR_TOKENS,
        token_labels={k: _(v) for k, v in TOKEN_LABELS.items()},
        hex_re=brand.HEX_RE,
        palette=palette,
        contrast=contrast_rows(palette),
        min_contrast=brand.MIN_CONTRAST,
        fonts=list(brand.FONTS.values()),
        errors=shown_errors,
        field_errors=field_errors,
        flash=flash,
        current=current,
        max_links=MAX_FOOTER_LINKS,
    )


def includeme(config) -> None:
    config.add_route("admin.branding", "/admin/branding")
    config.add_view(branding_page, route_name="admin.branding", request_method=("GET", "POST"))
    config.add_route("branding.logo", "/branding/logo")
    config.add_view(logo_view, route_name="branding.logo", request_method=("GET", "HEAD"))
    config.add_route("branding.favicon", "/branding/favicon")
    config.add_view(favicon_view, route_name="branding.favicon", request_method=("GET", "HEAD"))
    config.add_route("branding.custom_css", "/branding/custom.css")
    config.add_view(
        custom_css_view, route_name="branding.custom_css", request_method=("GET", "HEAD")
    )
    config.scan(__name__)
