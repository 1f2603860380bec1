"""The default due date of a coverage: the lead-time date, the occurrence's
date minus the longest lead time of its milestone that is at most 30 days."""

from __future__ import annotations

import datetime as dt

import pytest

from calendar_service.config import load_settings
from calendar_service.model import LeadTimes, Milestone
from calendar_service.planning.coverage import Status
from calendar_service.planning.plans import CoverageFilter, default_due

DIEN_BIEN_PHU = dt.date(2024, 5, 7)
DEFAULTS = load_settings(environ={}).lead_times


@pytest.mark.parametrize(
    ("milestone", "due"),
    [
        (Milestone.TRON, dt.date(2024, 4, 7)),  # 90, 30, 7, 1: 30 days before, not 90
        (Milestone.CHAN, dt.date(2024, 4, 7)),  # 30, 7, 1
        (None, dt.date(2024, 4, 30)),  # 7, 1
    ],
)
def test_the_default_lead_times_give_30_days_for_milestones_and_7_otherwise(milestone, due):
    assert DEFAULTS == LeadTimes((90, 30, 7, 1), (30, 7, 1), (7, 1))
    assert default_due(DIEN_BIEN_PHU, milestone, DEFAULTS) == due


def test_the_longest_lead_time_of_at_most_30_days_counts_in_any_order():
    lead_times = LeadTimes((1, 60, 14, 31), (45,), ())
    assert default_due(DIEN_BIEN_PHU, Milestone.TRON, lead_times) == dt.date(2024, 4, 23)  # 14 days
    assert (
        default_due(DIEN_BIEN_PHU, Milestone.CHAN, lead_times) == DIEN_BIEN_PHU
    )  # none ≤ 30: the day itself
    assert default_due(DIEN_BIEN_PHU, None, lead_times) == DIEN_BIEN_PHU  # no lead times at all


def test_a_due_date_crosses_years_and_leap_days():
    assert default_due(dt.date(2024, 1, 19), Milestone.TRON, DEFAULTS) == dt.date(2023, 12, 20)
    assert default_due(dt.date(2024, 3, 30), Milestone.CHAN, DEFAULTS) == dt.date(2024, 2, 29)


def test_coverage_filters_keep_an_occurrence_by_one_coverage_meeting_every_condition():
    from types import SimpleNamespace

    politics = SimpleNamespace(assignees=("minh",), desk="Politics", status=Status.ASSIGNED)
    photo = SimpleNamespace(assignees=("lan",), desk="Photo", status=Status.READY)
    both = [politics, photo]
    assert CoverageFilter().keeps([]) and CoverageFilter().keeps(both)
    assert CoverageFilter(uncovered=True).keeps([]) and not CoverageFilter(uncovered=True).keeps([photo])
    assert CoverageFilter(assignee="minh").keeps(both) and not CoverageFilter(assignee="tuan").keeps(both)
    assert CoverageFilter(desks=("politics",)).keeps(both)
    assert CoverageFilter(assignee="minh", statuses=(Status.ASSIGNED,)).keeps(both)
    assert not CoverageFilter(assignee="minh", statuses=(Status.READY,)).keeps(both)  # not the same coverage
    assert not CoverageFilter(statuses=(Status.PUBLISHED,)).keeps(both)
