"""Database aggregates the apps share (one home: every median in the product is PostgreSQL's exact one)."""

from __future__ import annotations

from django.db.models import Aggregate, FloatField, Func


class Median(Aggregate):
    """PostgreSQL's exact median (percentile_cont), with an optional FILTER clause."""

    function = "percentile_cont"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


class EpochSeconds(Func):
    """An interval in seconds (EXTRACT(EPOCH FROM ...)), for medians of durations."""

    template = "EXTRACT(EPOCH FROM %(expressions)s)"
    output_field = FloatField()
