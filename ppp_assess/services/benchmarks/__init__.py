"""Peer benchmarks, the evaluators' dashboard and the public showcase.

- :mod:`.peers`: who the peers of an assessment are, and their statistics in SQL;
- :mod:`.evaluations`: the evaluators' dashboard of decided assessments, their
  distributions and weak questions;
- :mod:`.public_showcase`: the project results organisations chose to publish.

The public names are importable from this package, where most callers find them.
"""

from __future__ import annotations

from ppp_assess.models.totals import HISTOGRAM_BINS
from ppp_assess.services.benchmarks.evaluations import (
    Dashboard,
    DashboardFilters,
    EvaluatedRow,
    LevelCount,
    WeakQuestion,
    dashboard,
    evaluated_conditions,
)
from ppp_assess.services.benchmarks.peers import (
    DECIDED,
    FEW_ORGANISATIONS_REASON,
    FILTER_NAMES,
    OVERALL,
    PROJECT_FILTERS,
    RANKED,
    Benchmark,
    GroupStatistics,
    Method,
    PeerFilters,
    PeerGroup,
    SectionBenchmark,
    benchmark_for_assessment,
    clean_filters,
    group_statistics,
    latest_version,
    matchable_filters,
    peer_benchmark,
    peer_results,
    summarise,
)
from ppp_assess.services.benchmarks.public_showcase import (
    ShowcaseEntry,
    published_names,
    renamed_since_published,
    set_showcased,
    showcase,
    showcase_candidates,
)

__all__ = [
    "DECIDED",
    "FEW_ORGANISATIONS_REASON",
    "FILTER_NAMES",
    "HISTOGRAM_BINS",
    "OVERALL",
    "PROJECT_FILTERS",
    "RANKED",
    "Benchmark",
    "Dashboard",
    "DashboardFilters",
    "EvaluatedRow",
    "GroupStatistics",
    "LevelCount",
    "Method",
    "PeerFilters",
    "PeerGroup",
    "SectionBenchmark",
    "ShowcaseEntry",
    "WeakQuestion",
    "benchmark_for_assessment",
    "clean_filters",
    "dashboard",
    "evaluated_conditions",
    "group_statistics",
    "latest_version",
    "matchable_filters",
    "peer_benchmark",
    "peer_results",
    "published_names",
    "renamed_since_published",
    "set_showcased",
    "showcase",
    "showcase_candidates",
    "summarise",
]
