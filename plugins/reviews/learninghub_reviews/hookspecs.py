"""Hooks the reviews plugin publishes (added through ``learninghub_addhooks``)."""

from __future__ import annotations

from learninghub.hookspecs import hookspec


class ReviewsSpecs:
    @hookspec
    def learninghub_reviews_reported(self, request, review, report):
        """A user reported ``review`` (a :class:`learninghub_reviews.models.Review`)
        for moderation; ``report`` is the new
        :class:`learninghub_reviews.models.ReviewReport` (``reason``, ``user_id``,
        ``created_at``). Called inside the reporting request's transaction, so a
        moderation plugin may queue the review or hide it at once through
        ``learninghub_reviews.services.set_hidden(request, review, True)`` (which
        keeps the rating summary right). Return value ignored; an implementation
        that raises is logged and skipped. ``reviews.review.reported`` is also
        emitted after commit."""
