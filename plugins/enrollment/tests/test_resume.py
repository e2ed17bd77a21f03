"""Where "Continue where you left off" lands (``/my-learning/continue/{course_id}``)."""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import given
from hypothesis import strategies as st

from learninghub_enrollment.views import resume_lesson


@dataclass(frozen=True)
class L:
    id: int


LESSONS = [L(i) for i in range(5)]


def test_resume_rules():
    ids = {lesson.id for lesson in LESSONS}
    # nothing touched: the first lesson not done
    assert resume_lesson(LESSONS, None, set()) == LESSONS[0]
    assert resume_lesson(LESSONS, None, {0, 1}) == LESSONS[2]
    # the last lesson touched, while it is not done
    assert resume_lesson(LESSONS, 3, {0}) == LESSONS[3]
    # done: the next one not done after it, then from the start
    assert resume_lesson(LESSONS, 1, {1, 2}) == LESSONS[3]
    assert resume_lesson(LESSONS, 4, {2, 3, 4}) == LESSONS[0]
    # everything done: the last one touched (or the first)
    assert resume_lesson(LESSONS, 2, ids) == LESSONS[2]
    assert resume_lesson(LESSONS, None, ids) == LESSONS[0]
    # a lesson unpublished since (not in the list) is no anchor
    assert resume_lesson(LESSONS, 99, {0}) == LESSONS[1]


@given(
    st.lists(st.booleans(), min_size=1, max_size=12).flatmap(
        lambda done: st.tuples(st.just(done), st.one_of(st.none(), st.integers(0, len(done) - 1)))
    )
)
def test_resume_lands_on_a_lesson_not_done_while_there_is_one(case):
    flags, last = case
    lessons = [L(i) for i in range(len(flags))]
    done = {i for i, flag in enumerate(flags) if flag}
    target = resume_lesson(lessons, last, done)
    assert target in lessons
    if len(done) < len(lessons):
        assert target.id not in done
        if last is not None and last not in done:
            assert target.id == last
        elif last is not None:
            # the first lesson not done, counting on from the one touched
            order = [*range(last + 1, len(lessons)), *range(last + 1)]
            assert target.id == next(i for i in order if i not in done)
    else:
        assert target.id == (last if last is not None else 0)


def test_continue_goes_on_after_a_completed_lesson(
    tenant, user_factory, client, page_browser, make_course
):
    setup = make_course(tenant, lessons=3)
    learner = user_factory(tenant)
    c = client(tenant, learner)
    assert c.post_json(f"/api/v1/courses/{setup.id}/enrollment", {}).status_int == 201
    b = page_browser(tenant, learner)

    def lands() -> str:
        r = b.get(f"/my-learning/continue/{setup.id}")
        assert r.status_int == 303
        return r.headers["Location"].rsplit("/", 1)[1]

    progress = "/api/v1/lessons/{}/progress"
    c.post_json(progress.format(setup.lessons[1].id), {"position_s": 30})
    assert lands() == "lesson-2"  # started, not finished: back to it
    c.post_json(progress.format(setup.lessons[1].id), {"completed": True})
    assert lands() == "lesson-3"  # finished: on to the next
    c.post_json(progress.format(setup.lessons[2].id), {"completed": True})
    assert lands() == "lesson-1"  # the one skipped at the start
    c.post_json(progress.format(setup.lessons[0].id), {"completed": True})
    assert lands() == "lesson-1"  # all done: the last one touched
