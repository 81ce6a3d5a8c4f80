"""The metrics ptdv knows: names shared by plan cards, tidy tables and reports."""

from __future__ import annotations

from dataclasses import dataclass

from ptdv.base.i18n import N_


@dataclass(frozen=True)
class Metric:
    """One metric: what it counts, how it reads, and whether it can be negative.

    `label` is an English message id, translated where it is shown
    (`ptdv.report.texts.metric_label`).
    """

    name: str
    label: str
    stock: bool  # a level at a date (True) or a flow over a period (False)
    can_be_negative: bool


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("members_net", N_("Net increase in members"), False, True),
        Metric("members_admitted", N_("Members admitted"), False, False),
        Metric("members_lost", N_("Members lost"), False, False),
        Metric("unions_founded", N_("Grassroots unions founded"), False, False),
        Metric("members_total", N_("Members (total)"), True, False),
        Metric("nonmember_workers", N_("Non-member workers"), True, False),
        Metric("workers", N_("Workers"), True, False),
    )
}

#: What a figure is in a source table.
#: `cumulative` is an actual counted from the term's start to the end of its period (lũy kế);
#: `info` columns are kept as named extra figures (processed table `info`), never as metrics.
KINDS = ("target", "actual", "cumulative", "baseline", "derived", "info")


def metric(name: str) -> Metric:
    """Return the metric called `name`, or raise KeyError listing the known ones."""
    try:
        return METRICS[name]
    except KeyError:
        raise KeyError(f"unknown metric {name!r}; known: {', '.join(METRICS)}") from None
