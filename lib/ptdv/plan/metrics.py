"""The metrics ptdv knows: names shared by plan cards, tidy tables and reports."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Metric:
    """One metric: what it counts, how it reads, and whether it can be negative."""

    name: str
    label_vi: str
    label_en: str
    stock: bool  # a level at a date (True) or a flow over a period (False)
    can_be_negative: bool


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric("members_net", "Số đoàn viên tăng thêm", "Net increase in members", False, True),
        Metric("members_admitted", "Số đoàn viên kết nạp mới", "Members admitted", False, False),
        Metric("members_lost", "Số đoàn viên giảm", "Members lost", False, False),
        Metric(
            "unions_founded", "Số CĐCS thành lập mới", "Grassroots unions founded", False, False
        ),
        Metric("members_total", "Tổng số đoàn viên", "Members (total)", True, False),
        Metric("nonmember_workers", "Số CNLĐ chưa là đoàn viên", "Non-member workers", True, False),
        Metric("workers", "Số công nhân, lao động", "Workers", True, False),
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
