"""Pages and the WebVTT download of the captions part.

* ``GET /captions/{id}.vtt`` — the track as ``text/vtt`` for whoever may watch a
  lesson using the asset (and its editors); 404 for everyone else;
* ``/teach/media/{asset_id}/captions`` — the asset's tracks, an upload form, delete;
* ``/teach/media/{asset_id}/captions/{id}`` — the transcript editor: every cue's
  start, end and text in one form; **Add a cue** re-renders with an empty row, a
  ticked **Delete** drops a row on save. Everything is validated on the server; an
  error is shown next to its field and nothing is saved. Works without JavaScript.

Forms are POSTs with a CSRF token; success redirects (303) with a notice.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pyramid.httpexceptions import HTTPNotFound, HTTPSeeOther
from pyramid.response import Response
from pyramid.view import view_config

from learninghub.api import ProblemError
from learninghub.i18n import N_
from learninghub.shell import gate, render_page

from . import services, vtt
from .schemas import CaptionMeta

DONE = {
    "saved": N_("Transcript saved."),
    "added": N_("Caption track added."),
    "deleted": N_("Caption track deleted."),
}
MAX_ROWS = vtt.MAX_CUES


@view_config(route_name="streaming.captions.vtt", request_method="GET")
def download(request):
    caption = services.get_caption(request, request.matchdict["id"])
    asset = services.get_asset(request, caption.asset_id) if caption is not None else None
    if asset is None or not services.can_read(request, asset):
        raise HTTPNotFound()
    response = Response(caption.vtt, content_type="text/vtt", charset="utf-8")
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = (
        f'inline; filename="{caption.language}-{caption.kind}.vtt"'
    )
    return response


def _asset_or_404(request):
    try:
        return services.editable_asset(request, request.matchdict["asset_id"])
    except ProblemError:
        raise HTTPNotFound() from None


def _caption_or_404(request, asset):
    caption = services.get_caption(request, request.matchdict["id"])
    if caption is None or caption.asset_id != asset.id:
        raise HTTPNotFound()
    return caption


def _flash(request) -> str:
    done = request.GET.get("done")
    return request.gettext(DONE[done]) if done in DONE else ""


# ----------------------------------------------------------------- the tracks


@view_config(route_name="streaming.page.captions", request_method=("GET", "POST"))
def tracks_page(request):
    denied = gate(request, None)
    if denied is not None:
        return denied
    asset = _asset_or_404(request)
    errors: list[str] = []
    form = {"language": "", "kind": "subtitles", "label": ""}
    status = 200
    if request.method == "POST":
        form = {k: request.POST.get(k, "").strip() for k in form}
        upload = request.POST.get("file")
        data = upload.file.read(vtt.MAX_BYTES + 1) if hasattr(upload, "file") else None
        try:
            meta = CaptionMeta.model_validate({k: v for k, v in form.items() if v})
            if data is None:
                raise ProblemError(
                    422, "Validation failed", request.gettext("Choose a WebVTT or SRT file.")
                )
            webvtt = services.convert(asset, data, None, "file")
            services.create(
                request,
                asset,
                language=meta.language,
                kind=meta.kind,
                label=meta.label,
                webvtt=webvtt,
            )
        except ProblemError as exc:
            errors = [e["message"] for e in exc.errors or []] or [exc.detail]
            status = exc.status
        except ValueError as exc:  # pydantic's ValidationError
            errors = [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
            status = 422
        else:
            return HTTPSeeOther(
                request.route_path("streaming.page.captions", asset_id=str(asset.id))
                + "?done=added"
            )
    return render_page(
        request,
        "streaming/captions/tracks.jinja2",
        status=status,
        asset=asset,
        tracks=services.tracks(request, asset.id),
        form=form,
        errors=errors,
        flash=_flash(request),
    )


@view_config(route_name="streaming.page.caption_delete", request_method="POST")
def delete_page(request):
    denied = gate(request, None)
    if denied is not None:
        return denied
    asset = _asset_or_404(request)
    caption = _caption_or_404(request, asset)
    services.delete(request, caption)
    return HTTPSeeOther(
        request.route_path("streaming.page.captions", asset_id=str(asset.id)) + "?done=deleted"
    )


# ----------------------------------------------------------------- the transcript editor


@dataclass
class Row:
    start: str = ""
    end: str = ""
    text: str = ""
    errors: dict[str, str] = field(default_factory=dict)


def _rows_of(caption) -> list[Row]:
    return [
        Row(vtt.format_time(c.start_ms), vtt.format_time(c.end_ms), c.text)
        for c in vtt.parse(caption.vtt, "vtt")
    ]


def _rows_from_form(request) -> list[Row]:
    try:
        count = min(int(request.POST.get("rows", "0")), MAX_ROWS)
    except ValueError:
        count = 0
    rows = []
    for i in range(count):
        if request.POST.get(f"delete_{i}"):
            continue
        row = Row(
            request.POST.get(f"start_{i}", "").strip(),
            request.POST.get(f"end_{i}", "").strip(),
            request.POST.get(f"text_{i}", "").replace("\r\n", "\n").strip(),
        )
        rows.append(row)
    return rows


def _validate(request, rows: list[Row], duration_s) -> list[vtt.Cue] | None:
    """The cues of the filled rows, or None when a row has an error (set on it)."""
    _ = request.gettext
    cues: list[vtt.Cue] = []
    by_line: dict[int, Row] = {}
    bad = False
    for number, row in enumerate(rows, start=1):
        if not (row.start or row.end or row.text):
            continue  # an empty row added and left blank
        start, end = vtt.parse_time(row.start), vtt.parse_time(row.end)
        if start is None:
            row.errors["start"] = _("Write a time like 00:01:02.500.")
        if end is None:
            row.errors["end"] = _("Write a time like 00:01:02.500.")
        if "\n\n" in row.text.replace("\r", ""):
            row.errors["text"] = _("A cue's text cannot contain an empty line.")
        if row.errors:
            bad = True
            continue
        cue = vtt.Cue(start, end, vtt.sanitize(row.text), number)
        cues.append(cue)
        by_line[number] = row
    problems = vtt.check(cues, duration_s) if cues or not bad else []
    for problem in problems:
        row = by_line.get(problem.line or 0)
        where = {
            "caption_timing": "end",
            "caption_order": "start",
            "caption_duration": "end",
            "caption_text": "text",
        }.get(problem.type, "text")
        if row is None:  # no cue at all
            if rows:
                rows[0].errors["text"] = _("Write at least one cue.")
            continue
        row.errors.setdefault(where, problem.message)
    if problems or bad:
        if not rows:
            rows.append(Row(errors={"text": _("Write at least one cue.")}))
        return None
    return cues


@view_config(route_name="streaming.page.caption", request_method=("GET", "POST"))
def editor_page(request):
    denied = gate(request, None)
    if denied is not None:
        return denied
    asset = _asset_or_404(request)
    caption = _caption_or_404(request, asset)
    label = caption.label
    status = 200
    error = ""
    if request.method == "POST":
        rows = _rows_from_form(request)
        label = " ".join(request.POST.get("label", "").split())
        if request.POST.get("action") == "add":
            rows.append(Row())
        else:
            cues = _validate(request, rows, asset.duration_s)
            if not label or len(label) > 100:
                error = request.gettext("The label needs 1 to 100 characters.")
                cues = None
            if cues is not None:
                services.update(request, caption, {"vtt": vtt.serialize(cues), "label": label})
                return HTTPSeeOther(
                    request.route_path(
                        "streaming.page.caption", asset_id=str(asset.id), id=str(caption.id)
                    )
                    + "?done=saved"
                )
            status = 422
            error = error or request.gettext("Nothing was saved: correct the marked fields.")
    else:
        rows = _rows_of(caption)
    return render_page(
        request,
        "streaming/captions/editor.jinja2",
        status=status,
        asset=asset,
        caption=caption,
        label=label,
        rows=rows,
        error=error,
        flash=_flash(request),
    )
