"""The catalog API: search through the index, facets, sorts, pagination, visibility,
and a fixed number of SQL statements whatever the number of courses."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from learninghub.hookspecs import hookimpl

from .conftest import add_lesson, course_body

URL = "/api/v1/courses"


def titles(r) -> list[str]:
    assert r.status_int == 200, r.text
    return [i["title"] for i in r.json["items"]]


def facet(r, name) -> dict[str, int]:
    return {f["value"]: f["count"] for f in r.json["facets"][name]}


def publish(client, tenant, admin, **overrides):
    c = client(tenant, admin)
    out = c.post_json(URL, course_body(**overrides)).json
    add_lesson(client, tenant, admin, out["id"])
    r = c.post_json(out["url"] + "/submit", {})  # admins publish directly
    assert r.json["status"] == "published"
    return out


# ----------------------------------------------------------------- search


def test_search_matches_title_subtitle_description_and_tags(tenant, client, admin):
    publish(client, tenant, admin, title="Watercolour painting", subtitle="", tags=[])
    publish(client, tenant, admin, title="A", subtitle="Learn origami folds", tags=[])
    publish(client, tenant, admin, title="B", description="<p>All about <b>beekeeping</b></p>")
    publish(client, tenant, admin, title="C", tags=["astronomy"], subtitle="")
    anon = client(tenant)
    assert titles(anon.get(URL + "?q=watercolour")) == ["Watercolour painting"]
    assert titles(anon.get(URL + "?q=origami")) == ["A"]
    assert titles(anon.get(URL + "?q=beekeeping")) == ["B"]
    assert titles(anon.get(URL + "?q=astronomy")) == ["C"]
    assert titles(anon.get(URL + "?q=zzzunknown")) == []
    assert titles(anon.get(URL + "?q=" + "%22unbalanced(")) == []  # odd syntax is no error


def test_search_reindexes_after_edits(tenant, client, admin):
    out = publish(client, tenant, admin, title="Knitting")
    client(tenant, admin).patch_json(out["url"], {"title": "Crochet"})
    assert titles(client(tenant).get(URL + "?q=crochet")) == ["Crochet"]
    assert titles(client(tenant).get(URL + "?q=knitting")) == []


def test_search_never_shows_drafts_to_visitors(tenant, client, instructor, admin):
    out = client(tenant, instructor).post_json(URL, course_body(title="Hidden draft")).json
    assert titles(client(tenant).get(URL + "?q=hidden")) == []
    assert titles(client(tenant, instructor).get(URL + "?q=hidden")) == ["Hidden draft"]
    assert out["status"] == "draft"


def test_search_text_hook_feeds_the_index(tenant, client, admin, registry):
    class Content:
        @hookimpl
        def learninghub_courses_search_text(self, request, course):
            return ["lesson about photosynthesis"]

    pm = registry["plugins"].pm
    plugin = Content()
    pm.register(plugin, name="test-search-text")
    try:
        publish(client, tenant, admin, title="Biology")
    finally:
        pm.unregister(plugin)
    assert titles(client(tenant).get(URL + "?q=photosynthesis")) == ["Biology"]


def test_search_index_is_per_tenant(tenant, other_tenant, client, admin, user_factory):
    publish(client, tenant, admin, title="Pottery")
    assert titles(client(other_tenant).get(URL + "?q=pottery")) == []


def test_relevance_orders_by_score(tenant, client, admin):
    publish(client, tenant, admin, title="Something else", subtitle="mentions chess once")
    publish(client, tenant, admin, title="Chess openings", subtitle="chess chess")
    assert titles(client(tenant).get(URL + "?q=chess"))[0] == "Chess openings"


# ----------------------------------------------------------------- facets and sorts


@pytest.fixture
def shelf(tenant, make_course, make_category):
    arts = make_category(tenant, "Arts")
    music = make_category(tenant, "Music", parent=arts)
    tech = make_category(tenant, "Tech")
    make_course(
        tenant,
        title="Piano",
        category_id=music.id,
        level="beginner",
        price_minor=0,
        rating_average=4.5,
        rating_count=10,
        enrolment_count=50,
    )
    make_course(
        tenant,
        title="Drawing",
        category_id=arts.id,
        level="advanced",
        price_minor=3000,
        rating_average=3.2,
        rating_count=4,
        enrolment_count=5,
        language="es",
    )
    make_course(
        tenant,
        title="Linux",
        category_id=tech.id,
        level="beginner",
        price_minor=1000,
        rating_average=0,
        rating_count=0,
        enrolment_count=100,
    )
    make_course(tenant, status="draft", title="Unfinished", category_id=tech.id)
    return {"arts": arts, "music": music, "tech": tech}


def test_facets_count_visible_courses(tenant, client, shelf):
    r = client(tenant).get(URL)
    assert r.json["total"] == 3
    assert facet(r, "category") == {"arts": 2, "music": 1, "tech": 1}  # parents include children
    assert facet(r, "level") == {"beginner": 2, "advanced": 1}
    assert facet(r, "language") == {"en": 2, "es": 1}
    assert facet(r, "price") == {"free": 1, "paid": 2}
    assert facet(r, "rating") == {"4": 1, "3": 2, "2": 2, "1": 2}


def test_filters(tenant, client, shelf):
    anon = client(tenant)
    assert sorted(titles(anon.get(URL + "?category=arts"))) == ["Drawing", "Piano"]
    assert titles(anon.get(URL + f"?category={shelf['music'].id}")) == ["Piano"]
    assert titles(anon.get(URL + "?category=nothing")) == []
    assert sorted(titles(anon.get(URL + "?level=beginner"))) == ["Linux", "Piano"]
    assert titles(anon.get(URL + "?language=es")) == ["Drawing"]
    assert titles(anon.get(URL + "?price=free")) == ["Piano"]
    assert sorted(titles(anon.get(URL + "?price=paid"))) == ["Drawing", "Linux"]
    assert titles(anon.get(URL + "?min_rating=4")) == ["Piano"]
    r = anon.get(URL + "?level=beginner&price=paid")
    assert titles(r) == ["Linux"]
    # a facet counts over the other filters, not its own
    assert facet(r, "level") == {"beginner": 1, "advanced": 1}
    assert facet(r, "price") == {"free": 1, "paid": 1}


def test_sorts(tenant, client, shelf):
    anon = client(tenant)
    assert titles(anon.get(URL + "?sort=popular")) == ["Linux", "Piano", "Drawing"]
    assert titles(anon.get(URL + "?sort=rating")) == ["Piano", "Drawing", "Linux"]
    assert titles(anon.get(URL + "?sort=price")) == ["Piano", "Linux", "Drawing"]
    assert titles(anon.get(URL + "?sort=price_desc")) == ["Drawing", "Linux", "Piano"]
    assert titles(anon.get(URL + "?sort=newest")) == ["Piano", "Drawing", "Linux"]


@pytest.mark.parametrize(
    "query",
    [
        "sort=cheap",
        "level=expert",
        "price=gratis",
        "min_rating=6",
        "limit=0",
        "limit=101",
        "unknown=1",
        "q=" + "x" * 201,
    ],
)
def test_invalid_queries(tenant, client, query):
    r = client(tenant).get(f"{URL}?{query}")
    assert r.status_int == 422 and r.content_type == "application/problem+json"
    assert r.json["errors"][0]["path"][0] == "query"


def test_bad_cursor(tenant, client):
    assert client(tenant).get(URL + "?cursor=%%%").status_int == 400


def test_pagination(tenant, client, make_course):
    for i in range(7):
        make_course(tenant, title=f"P{i}")
    seen = []
    url = URL + "?limit=3"
    while url:
        r = client(tenant).get(url)
        assert r.json["total"] == 7
        seen += titles(r)
        url = URL + f"?limit=3&cursor={r.json['next_cursor']}" if r.json["next_cursor"] else None
    assert seen == [f"P{i}" for i in range(7)]


def test_mine_and_status(tenant, client, instructor, admin, learner, make_course):
    make_course(tenant, instructor, status="draft", title="My draft")
    make_course(tenant, instructor, status="archived", title="My old one")
    make_course(tenant, title="Someone else's")
    make_course(tenant, status="in_review", title="Waiting")
    me = client(tenant, instructor)
    assert sorted(titles(me.get(URL + "?mine=true"))) == ["My draft", "My old one"]
    assert sorted(titles(me.get(URL))) == ["My draft", "Someone else's"]
    assert titles(client(tenant, admin).get(URL + "?status=in_review")) == ["Waiting"]
    assert titles(client(tenant, learner).get(URL + "?status=in_review")) == []
    assert client(tenant).get(URL + "?mine=true").status_int == 401


def test_list_of_another_tenant_is_separate(tenant, other_tenant, client, make_course):
    make_course(tenant, title="Ours")
    assert titles(client(other_tenant).get(URL)) == []


# ----------------------------------------------------------------- no N+1


@pytest.fixture
def count_statements(registry):
    from learninghub.testing.sql import counting

    with counting(registry["db.engine"]) as statements:
        yield statements


def _statements_for(count_statements, client, tenant, user, path):
    c = client(tenant, user) if user else client(tenant)
    c.get(path)  # warm the tenant cache and the search index
    count_statements.clear()
    r = c.get(path, headers={"Cache-Control": "no-cache"})  # rendered, not a page-cache hit
    assert r.status_int == 200
    return len(count_statements)


@pytest.mark.parametrize("path", ["/api/v1/courses?limit=100", "/courses", "/courses?q=course"])
def test_statement_count_does_not_grow_with_courses(
    tenant_factory,
    client,
    make_course,
    make_category,
    user_factory,
    count_statements,
    path,
    plugin_admin,
    db,
    registry,
):
    counts = {}
    for n in (5, 50):
        t = tenant_factory(plugins=["courses"])
        plugin_admin.settings(t, page_size=100)
        cats = [make_category(t, f"Cat {i}") for i in range(3)]
        teacher = user_factory(t, "instructor")
        for i in range(n):
            make_course(
                t, teacher, title=f"Course {i}", category_id=cats[i % 3].id, tags=["course"]
            )
        if "q=" in path:
            from learninghub.tasks import run_task
            from learninghub_courses.models import Course

            for cid in db.scalars(sa.select(Course.id).where(Course.tenant_id == t.id)):
                run_task(registry, "courses.reindex", str(t.id), {"course_id": str(cid)})
        if "q=" in path:
            assert client(t).get(path).text.count('<article class="course-card"') == n
        counts[n] = (
            _statements_for(count_statements, client, t, None, path),
            _statements_for(count_statements, client, t, teacher, path),
        )
    assert counts[5] == counts[50], counts
    # a sanity ceiling (PostgreSQL adds the row-level security SETs)
    assert counts[50][0] <= 10 and counts[50][1] <= 14, counts
