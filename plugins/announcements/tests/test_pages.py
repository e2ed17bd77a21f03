"""Pages: /announcements and /announcements/{id} (session cookie), and the nav entry."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

from learninghub.db import utcnow

NAV_LINK = '<a href="/announcements"'


def page_titles(response) -> list[str]:
    return re.findall(r'<h2 id="a-[^"]+"><a href="[^"]+">([^<]*)</a></h2>', response.text)


def test_list_page_shows_published_announcements(
    tenant, user_factory, page_client, make_announcement
):
    make_announcement(tenant, title="Library closed", body="<p>All <em>week</em>.</p>")
    make_announcement(tenant, status="draft", title="Secret plan")
    r = page_client(tenant, user_factory(tenant, "learner")).get("/announcements")
    assert r.status_int == 200, r.text
    assert r.content_type == "text/html"
    assert page_titles(r) == ["Library closed"]
    assert "All week." in r.text  # excerpt as text
    assert "Secret plan" not in r.text
    assert NAV_LINK in r.text and 'class="lh-skip"' in r.text  # themed: extends the base


def test_list_page_is_for_signed_in_readers(tenant, user_factory, page_client, make_announcement):
    make_announcement(tenant, title="Members only")
    anonymous = page_client(tenant).get("/announcements")
    assert anonymous.status_int == 403
    assert "Members only" not in anonymous.text
    assert (
        page_client(tenant, user_factory(tenant, "guest")).get("/announcements").status_int == 403
    )


def test_session_of_another_tenant_is_not_accepted(
    tenant, other_tenant, user_factory, page_client, client, cookie_for, make_announcement
):
    a = make_announcement(tenant, title="Ours")
    user = user_factory(tenant, "learner")
    replayed = client(other_tenant)
    replayed.headers["Cookie"] = cookie_for(tenant, user)
    assert replayed.get("/announcements").status_int == 403
    foreign = page_client(other_tenant, user_factory(other_tenant, "admin"))
    assert foreign.get(f"/announcements/{a.id}").status_int == 404
    assert page_titles(foreign.get("/announcements")) == []


def test_list_page_paginates(tenant, user_factory, page_client, make_announcement):
    base = utcnow()
    for i in range(25):
        make_announcement(tenant, title=f"N{i:02d}", published_at=base - timedelta(minutes=i))
    c = page_client(tenant, user_factory(tenant, "learner"))
    first = c.get("/announcements")
    assert page_titles(first) == [f"N{i:02d}" for i in range(20)]
    next_url = re.search(r'<a href="([^"]+)" rel="next">', first.text).group(1)
    second = c.get(next_url.replace("&amp;", "&"))
    assert page_titles(second) == [f"N{i:02d}" for i in range(20, 25)]
    assert 'rel="next"' not in second.text
    assert c.get("/announcements", params={"cursor": "garbage!"}).status_int == 400


def test_detail_page_renders_sanitized_html_and_escapes_the_title(
    tenant, user_factory, page_client, make_announcement
):
    a = make_announcement(
        tenant,
        title="<b>Bold</b> claims",
        body="<p>Read <strong>this</strong></p><script>x()</script>",
    )
    r = page_client(tenant, user_factory(tenant, "learner")).get(f"/announcements/{a.id}")
    assert r.status_int == 200, r.text
    assert "<h1>&lt;b&gt;Bold&lt;/b&gt; claims</h1>" in r.text
    assert "<p>Read <strong>this</strong></p>" in r.text
    assert "<script>x()" not in r.text


def test_detail_page_of_drafts(tenant, user_factory, page_client, make_announcement):
    author = user_factory(tenant, "instructor")
    draft = make_announcement(tenant, author, status="draft", title="Coming soon")
    own = page_client(tenant, author).get(f"/announcements/{draft.id}")
    assert own.status_int == 200 and "not visible to readers" in own.text
    learner = page_client(tenant, user_factory(tenant, "learner"))
    assert learner.get(f"/announcements/{draft.id}").status_int == 404


def test_detail_page_access(tenant, user_factory, page_client, make_announcement):
    a = make_announcement(tenant)
    assert page_client(tenant).get(f"/announcements/{a.id}").status_int == 403
    guest = page_client(tenant, user_factory(tenant, "guest"))
    assert guest.get(f"/announcements/{a.id}").status_int == 403
    learner = page_client(tenant, user_factory(tenant, "learner"))
    for bad in ("nope", uuid.uuid4(), "1" * 400):
        r = learner.get(f"/announcements/{bad}")
        assert r.status_int == 404 and r.content_type == "text/html"


def test_nav_entry_for_readers_only(tenant, user_factory, page_client):
    assert NAV_LINK in page_client(tenant, user_factory(tenant, "learner")).get("/dashboard").text
    assert NAV_LINK not in page_client(tenant).get("/dashboard").text
    assert NAV_LINK not in page_client(tenant, user_factory(tenant, "guest")).get("/dashboard").text


def test_disabled_plugin_hides_pages_api_and_nav(
    tenant, user_factory, page_client, client, plugin_admin, make_announcement
):
    a = make_announcement(tenant)
    admin = user_factory(tenant, "admin")
    assert NAV_LINK in page_client(tenant, admin).get("/dashboard").text
    plugin_admin.disable(tenant)
    pages = page_client(tenant, admin)
    assert pages.get("/announcements").status_int == 404
    assert pages.get(f"/announcements/{a.id}").status_int == 404
    assert NAV_LINK not in pages.get("/dashboard").text
    api = client(tenant, admin)
    assert api.get("/api/v1/announcements").status_int == 404
    assert api.get(f"/api/v1/announcements/{a.id}").status_int == 404
    assert api.post_json("/api/v1/announcements", {"title": "x"}).status_int == 404
    paths = api.get("/api/v1/openapi.json").json["paths"]
    assert not [p for p in paths if "announcements" in p]
