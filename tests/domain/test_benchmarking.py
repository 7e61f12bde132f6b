"""Peer statistics: quantile and percentile-rank definitions, and k-suppression."""

from __future__ import annotations

import math
import statistics
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ppp_assess.domain.benchmarking import (
    DEFAULT_MIN_PEERS,
    SUPPRESSED_REASON,
    PeerSummary,
    Quartiles,
    Suppressed,
    peer_summary,
    percentile_cont,
    percentile_rank,
    quartiles,
    section_summaries,
)

# --- brute-force references, exact arithmetic -------------------------------------------


def reference_sorted(values: list[float]) -> list[Fraction]:
    """Sort by repeatedly taking the smallest remaining value (no call to sorted())."""
    remaining = [Fraction(value) for value in values]
    ordered = []
    while remaining:
        smallest = remaining[0]
        for candidate in remaining:
            if candidate < smallest:
                smallest = candidate
        remaining.remove(smallest)
        ordered.append(smallest)
    return ordered


def reference_quantile(values: list[float], fraction: Fraction) -> Fraction:
    """Return the type-7 quantile exactly: interpolate at position fraction * (n - 1)."""
    ordered = reference_sorted(values)
    position = fraction * (len(ordered) - 1)
    lower = position.numerator // position.denominator
    weight = position - lower
    if weight == 0:
        return ordered[lower]
    return ordered[lower] * (1 - weight) + ordered[lower + 1] * weight


def reference_rank(value: float, values: list[float]) -> Fraction:
    """Return the mid-rank as the mean of the empirical CDF just below and at the value."""
    exact = Fraction(value)
    peers = [Fraction(peer) for peer in values]
    cdf_below = Fraction(sum(1 for peer in peers if peer < exact), len(peers))
    cdf_at = Fraction(sum(1 for peer in peers if peer <= exact), len(peers))
    return 100 * (cdf_below + cdf_at) / 2


def close(actual: float, expected: Fraction, scale: float) -> bool:
    """Allow the few roundings of floating-point interpolation, relative to the data range."""
    return math.isclose(actual, float(expected), rel_tol=1e-12, abs_tol=1e-12 * scale)


scores = st.floats(min_value=0, max_value=100, allow_nan=False, allow_infinity=False)
# Few distinct values, so that ties are common.
tied_scores = st.sampled_from([0.0, 12.5, 33.33, 50.0, 50.0, 66.67, 100.0])
wide = st.floats(min_value=-1e9, max_value=1e9, allow_nan=False, allow_infinity=False)
value_lists = st.one_of(
    st.lists(scores, min_size=1, max_size=60),
    st.lists(tied_scores, min_size=1, max_size=60),
    st.lists(wide, min_size=1, max_size=30),
)


# --- a hand-computed example ------------------------------------------------------------

EXAMPLE = [72.5, 40.0, 88.0, 55.0, 61.25, 40.0]
# sorted: [40.0, 40.0, 55.0, 61.25, 72.5, 88.0], n = 6, so n - 1 = 5
# q1:     position 0.25 * 5 = 1.25 -> v[1] + 0.25 * (v[2] - v[1]) = 40 + 0.25 * 15    = 43.75
# median: position 0.50 * 5 = 2.5  -> v[2] + 0.5  * (v[3] - v[2]) = 55 + 0.5 * 6.25   = 58.125
# q3:     position 0.75 * 5 = 3.75 -> v[3] + 0.75 * (v[4] - v[3]) = 61.25 + 0.75 * 11.25
#                                                                 = 61.25 + 8.4375    = 69.6875
# All are exact binary fractions, so equality is exact.


def test_hand_computed_quartiles() -> None:
    # p10:    position 0.1 * 5 = 0.5  -> v[0] + 0.5 * (v[1] - v[0]) = 40 + 0.5 * 0     = 40
    # p90:    position 0.9 * 5 = 4.5  -> v[4] + 0.5 * (v[5] - v[4]) = 72.5 + 0.5 * 15.5 = 80.25
    assert quartiles(EXAMPLE) == Quartiles(q1=43.75, median=58.125, q3=69.6875, p10=40.0,
                                           p90=80.25)


def test_hand_computed_percentile_ranks() -> None:
    # 55.0: 2 peers below (40, 40), 1 equal -> (2 + 1/2) / 6 * 100 = 250 / 6
    assert percentile_rank(55.0, EXAMPLE) == 250 / 6
    # 40.0: 0 below, 2 equal -> (0 + 2/2) / 6 * 100 = 100 / 6
    assert percentile_rank(40.0, EXAMPLE) == 100 / 6
    # 88.0: 5 below, 1 equal -> (5 + 1/2) / 6 * 100 = 550 / 6
    assert percentile_rank(88.0, EXAMPLE) == 550 / 6
    # 60.0 is no peer's value: 3 below, 0 equal -> 3 / 6 * 100 = 50
    assert percentile_rank(60.0, EXAMPLE) == 50.0
    # Outside the range.
    assert percentile_rank(0.0, EXAMPLE) == 0.0
    assert percentile_rank(100.0, EXAMPLE) == 100.0


def test_hand_computed_peer_summary() -> None:
    summary = peer_summary(55.0, EXAMPLE, k=5)
    assert summary == PeerSummary(
        n=6,
        quartiles=Quartiles(q1=43.75, median=58.125, q3=69.6875, p10=40.0, p90=80.25),
        subject_value=55.0,
        percentile_rank=250 / 6,
    )


def test_two_values_interpolate_evenly() -> None:
    # n - 1 = 1: positions 0.1, 0.25, 0.5, 0.75, 0.9 between 0 and 10.
    assert quartiles([10.0, 0.0]) == Quartiles(q1=2.5, median=5.0, q3=7.5, p10=1.0, p90=9.0)


def test_percentile_cont_ends_are_min_and_max() -> None:
    assert percentile_cont(EXAMPLE, 0.0) == 40.0
    assert percentile_cont(EXAMPLE, 1.0) == 88.0
    # position 0.9 * 5 = 4.5 -> 72.5 + 0.5 * (88 - 72.5) = 80.25
    assert percentile_cont(EXAMPLE, 0.9) == 80.25


# --- edge cases ---------------------------------------------------------------------------


def test_single_value() -> None:
    assert quartiles([42.0]) == Quartiles(q1=42.0, median=42.0, q3=42.0, p10=42.0, p90=42.0)
    assert percentile_rank(42.0, [42.0]) == 50.0
    assert percentile_rank(41.0, [42.0]) == 0.0
    assert percentile_rank(43.0, [42.0]) == 100.0


def test_single_peer_is_suppressed_by_default_and_shown_with_k_one() -> None:
    assert peer_summary(42.0, [42.0]) == Suppressed(n=1, k=DEFAULT_MIN_PEERS)
    summary = peer_summary(42.0, [42.0], k=1)
    assert isinstance(summary, PeerSummary)
    assert summary.n == 1
    assert summary.quartiles.median == 42.0
    assert summary.percentile_rank == 50.0


def test_all_tied() -> None:
    values = [70.0] * 7
    assert quartiles(values) == Quartiles(q1=70.0, median=70.0, q3=70.0, p10=70.0, p90=70.0)
    assert percentile_rank(70.0, values) == 50.0


def test_ties_count_half() -> None:
    # 1 below (10), 3 equal (20, 20, 20), 1 above: (1 + 3/2) / 5 * 100 = 50
    assert percentile_rank(20.0, [10.0, 20.0, 20.0, 20.0, 30.0]) == 50.0
    # 2 below, 2 equal out of 4: (2 + 1) / 4 * 100 = 75
    assert percentile_rank(5.0, [1.0, 2.0, 5.0, 5.0]) == 75.0


def test_order_of_values_is_irrelevant() -> None:
    assert quartiles(EXAMPLE) == quartiles(sorted(EXAMPLE)) == quartiles(EXAMPLE[::-1])
    assert percentile_rank(61.25, EXAMPLE) == percentile_rank(61.25, sorted(EXAMPLE))


def test_integers_are_accepted() -> None:
    # p10 at 0.4: 1 + 0.4 * 1; p90 at 3.6: 4 + 0.6 * 1.
    assert quartiles([1, 2, 3, 4, 5]) == Quartiles(q1=2.0, median=3.0, q3=4.0,
                                                   p10=pytest.approx(1.4), p90=pytest.approx(4.6))


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_values_are_refused(bad: float) -> None:
    with pytest.raises(ValueError, match="finite"):
        quartiles([1.0, bad])
    with pytest.raises(ValueError, match="finite"):
        percentile_rank(1.0, [bad])
    with pytest.raises(ValueError, match="finite"):
        percentile_rank(bad, [1.0])
    with pytest.raises(ValueError, match="finite"):
        peer_summary(bad, [1.0] * 5)


def test_no_values_is_an_error_for_the_statistics() -> None:
    with pytest.raises(ValueError):
        quartiles([])
    with pytest.raises(ValueError):
        percentile_rank(1.0, [])
    with pytest.raises(ValueError):
        percentile_cont([], 0.5)


@pytest.mark.parametrize("fraction", [-0.01, 1.01, math.nan])
def test_fraction_outside_zero_one_is_refused(fraction: float) -> None:
    with pytest.raises(ValueError):
        percentile_cont([1.0, 2.0], fraction)


# --- k suppression -----------------------------------------------------------------------


@pytest.mark.parametrize("k", [1, 2, 5, 10])
def test_group_smaller_than_k_is_suppressed(k: int) -> None:
    for n in range(k):
        result = peer_summary(50.0, [float(i) for i in range(n)], k=k)
        assert result == Suppressed(n=n, k=k)
        assert result.reason == SUPPRESSED_REASON
    at_threshold = peer_summary(50.0, [float(i) for i in range(k)], k=k)
    assert isinstance(at_threshold, PeerSummary)
    assert at_threshold.n == k


def test_suppression_reveals_no_statistics() -> None:
    result = peer_summary(50.0, [10.0, 20.0, 30.0, 40.0], k=5)
    assert isinstance(result, Suppressed)
    assert not hasattr(result, "quartiles")
    assert not hasattr(result, "percentile_rank")
    # The reason is a msgid, not an interpolated sentence.
    assert "%" not in result.reason


@pytest.mark.parametrize("k", [0, -1])
def test_k_must_be_positive(k: int) -> None:
    with pytest.raises(ValueError):
        peer_summary(50.0, [1.0] * 10, k=k)
    with pytest.raises(ValueError):
        section_summaries({"a": 1.0}, [], k=k)


def test_subject_without_value_gets_statistics_but_no_rank() -> None:
    result = peer_summary(None, EXAMPLE, k=5)
    assert isinstance(result, PeerSummary)
    assert result.subject_value is None
    assert result.percentile_rank is None
    assert result.quartiles == quartiles(EXAMPLE)


# --- sections ----------------------------------------------------------------------------


def test_section_summaries() -> None:
    subject: dict[str, float | None] = {"governance": 60.0, "people": None, "environment": 10.0}
    peers: list[dict[str, float | None]] = [
        {"governance": 50.0, "people": 40.0, "environment": 20.0},
        {"governance": 70.0, "people": 80.0, "environment": None},
        {"governance": 60.0, "people": 60.0},
        {"governance": 40.0, "people": 20.0, "environment": 30.0},
        {"governance": 80.0, "people": 100.0, "environment": 40.0},
        {"people": 0.0, "other": 99.0},
    ]
    result = section_summaries(subject, peers, k=5)
    assert list(result) == ["governance", "people", "environment"]

    governance = result["governance"]
    # 5 peers: [40, 50, 60, 70, 80]; n - 1 = 4, so positions 1, 2, 3 fall on values.
    assert governance == PeerSummary(
        n=5,
        # p10 at 0.4: 40 + 0.4 * 10 = 44; p90 at 3.6: 70 + 0.6 * 10 = 76.
        quartiles=Quartiles(q1=50.0, median=60.0, q3=70.0, p10=44.0, p90=76.0),
        subject_value=60.0,
        # 2 below, 1 equal: (2 + 1/2) / 5 * 100 = 50
        percentile_rank=50.0,
    )

    people = result["people"]
    # 6 peers: [0, 20, 40, 60, 80, 100]; n - 1 = 5: q1 at 1.25 -> 20 + 0.25 * 20 = 25
    assert isinstance(people, PeerSummary)
    assert people.n == 6
    assert people.quartiles == Quartiles(q1=25.0, median=50.0, q3=75.0, p10=10.0, p90=90.0)
    assert people.percentile_rank is None

    # Only 3 peers have an environment value (None and missing are left out).
    assert result["environment"] == Suppressed(n=3, k=5)


def test_section_summaries_per_section_k() -> None:
    subject = {"a": 1.0}
    peers = [{"a": float(i)} for i in range(3)]
    assert section_summaries(subject, peers, k=3)["a"] == peer_summary(1.0, [0.0, 1.0, 2.0], k=3)
    assert section_summaries(subject, peers, k=4)["a"] == Suppressed(n=3, k=4)
    assert section_summaries(subject, peers)["a"] == Suppressed(n=3, k=DEFAULT_MIN_PEERS)
    assert section_summaries({}, peers) == {}


# --- properties against the brute-force reference ----------------------------------------


@given(value_lists)
def test_quartiles_match_the_reference(values: list[float]) -> None:
    result = quartiles(values)
    scale = max(abs(value) for value in values) or 1.0
    assert close(result.q1, reference_quantile(values, Fraction(1, 4)), scale)
    assert close(result.median, reference_quantile(values, Fraction(1, 2)), scale)
    assert close(result.q3, reference_quantile(values, Fraction(3, 4)), scale)
    assert close(result.p10, reference_quantile(values, Fraction(1, 10)), scale)
    assert close(result.p90, reference_quantile(values, Fraction(9, 10)), scale)
    # Never the lowest or highest value itself, unless the values around it are equal.
    ordered = reference_sorted(values)
    assert ordered[0] <= result.p10 <= result.p90 <= ordered[-1]


@given(value_lists)
def test_quartiles_match_the_standard_library_inclusive_method(values: list[float]) -> None:
    result = quartiles(values)
    scale = max(abs(value) for value in values) or 1.0
    if len(values) == 1:
        expected = [values[0]] * 3
    else:
        expected = statistics.quantiles(values, n=4, method="inclusive")
    for actual, wanted in zip([result.q1, result.median, result.q3], expected, strict=True):
        assert math.isclose(actual, wanted, rel_tol=1e-12, abs_tol=1e-12 * scale)


@given(st.lists(scores, min_size=1, max_size=60), st.floats(min_value=0, max_value=1))
def test_percentile_cont_matches_the_reference(values: list[float], fraction: float) -> None:
    expected = reference_quantile(values, Fraction(fraction))
    assert close(percentile_cont(values, fraction), expected, 100.0)


@given(st.lists(scores, min_size=1, max_size=60))
def test_quartiles_are_ordered_for_scores(values: list[float]) -> None:
    result = quartiles(values)
    assert result.p10 <= result.q1 <= result.median <= result.q3 <= result.p90


@given(value_lists, st.one_of(scores, tied_scores, wide))
def test_percentile_rank_matches_the_reference(values: list[float], value: float) -> None:
    # Integer counts make the reference exact and our single division correctly rounded.
    assert percentile_rank(value, values) == float(reference_rank(value, values))


@given(value_lists)
def test_mean_mid_rank_of_a_group_within_itself_is_fifty(values: list[float]) -> None:
    ranks = [percentile_rank(value, values) for value in values]
    assert all(0.0 <= rank <= 100.0 for rank in ranks)
    assert math.isclose(math.fsum(ranks) / len(ranks), 50.0, rel_tol=1e-12)


@given(value_lists, scores, scores)
def test_percentile_rank_is_monotonic(values: list[float], first: float, second: float) -> None:
    low, high = sorted([first, second])
    assert percentile_rank(low, values) <= percentile_rank(high, values)


@given(st.lists(scores, max_size=12), st.one_of(st.none(), scores), st.integers(1, 8))
def test_peer_summary_is_suppressed_exactly_below_k(
    values: list[float], subject: float | None, k: int
) -> None:
    result = peer_summary(subject, values, k=k)
    if len(values) < k:
        assert result == Suppressed(n=len(values), k=k)
    else:
        assert isinstance(result, PeerSummary)
        assert result.n == len(values)
        assert result.quartiles == quartiles(values)
        expected_rank = None if subject is None else percentile_rank(subject, values)
        assert result.percentile_rank == expected_rank


def test_an_unfinished_assessment_is_compared_only_once_complete_enough() -> None:
    from ppp_assess.domain.benchmarking import COMPARABLE_COMPLETION, comparison_readiness

    assert comparison_readiness(0.1, final=False) == "too_early"
    assert comparison_readiness(COMPARABLE_COMPLETION, final=False) == "provisional"
    assert comparison_readiness(0.1, final=True) == "final"
