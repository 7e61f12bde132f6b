"""Peer statistics computed from plain numbers.

Two definitions are fixed here so that the SQL aggregation and this module give the
same answers; the SQL side must keep to them.

Quantiles (:func:`percentile_cont`, :func:`quartiles`)
    Linear interpolation between closest ranks, the definition of PostgreSQL's
    ``percentile_cont`` (also Hyndman and Fan type 7, NumPy's default and
    ``statistics.quantiles(method="inclusive")``). With the ``n`` values sorted
    ascending as ``v[0] .. v[n-1]`` and a fraction ``p`` in ``[0, 1]``::

        position = p * (n - 1)
        lower = floor(position); upper = ceil(position)
        result = v[lower] + (position - lower) * (v[upper] - v[lower])

    The last line is evaluated in exactly that order, as PostgreSQL's ``float8_lerp``
    does, so results agree to the last bit. In SQL::

        percentile_cont(0.25) WITHIN GROUP (ORDER BY score)

Percentile rank (:func:`percentile_rank`)
    The mid-rank definition: the share of peers strictly below the value plus half
    the share of peers equal to it, times 100. It lies in ``[0, 100]``, is 50 for a
    value equal to every peer, and the mean rank of all peers within their own group
    is exactly 50. It is computed as ``100.0 * (2 * below + equal) / (2 * n)`` with a
    single rounding. In SQL::

        100.0 * (2 * count(*) FILTER (WHERE score < :value)
                 + count(*) FILTER (WHERE score = :value)) / (2 * count(*))

    Whether the subject itself belongs to the peers is the caller's decision.

A peer group smaller than ``k`` yields :class:`Suppressed` instead of statistics, so
that no single peer can be singled out. For the same reason the spread of a group is
shown by its 10th and 90th percentiles, never by its lowest and highest scores, which
are one organisation's own results.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

from ppp_assess.domain.messages import N_

#: The smallest peer group for which statistics are shown, unless configured otherwise.
DEFAULT_MIN_PEERS = 5

#: Share of its required questions a draft needs answered before it is compared with
#: its peers: a draft a tenth answered would only be compared by its blanks.
COMPARABLE_COMPLETION = 0.8


def comparison_readiness(completion: float, final: bool) -> str:
    """Return whether an assessment is compared with its peers, and how.

    ``"final"`` for a decided result (``final``), ``"provisional"`` for one whose answers
    may still change but that is complete enough, ``"too_early"`` below
    :data:`COMPARABLE_COMPLETION`.
    """
    if final:
        return "final"
    return "provisional" if completion >= COMPARABLE_COMPLETION else "too_early"


#: Why statistics are hidden (a msgid; adapters may add ``n`` and ``k`` with ngettext).
SUPPRESSED_REASON = N_(
    "The peer group is too small to show statistics without revealing individual results."
)


@dataclass(frozen=True, slots=True)
class Quartiles:
    """The quartiles of a group of values, and its 10th and 90th percentiles."""

    q1: float
    median: float
    q3: float
    p10: float
    p90: float


@dataclass(frozen=True, slots=True)
class PeerSummary:
    """Statistics of a peer group large enough to show, with the subject's place in it."""

    #: Number of peers with a value.
    n: int
    quartiles: Quartiles
    #: The subject's value, or ``None`` when it has none (for example a section all N/A).
    subject_value: float | None
    #: The subject's mid-rank percentile among the peers, ``None`` without a subject value.
    percentile_rank: float | None


@dataclass(frozen=True, slots=True)
class Suppressed:
    """A peer group smaller than ``k``: no statistics are shown."""

    n: int
    k: int
    #: A msgid explaining why nothing is shown.
    reason: str = SUPPRESSED_REASON


def _finite(value: float) -> float:
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"benchmark values must be finite numbers, got {value!r}")
    return number


def _sorted_values(values: Iterable[float]) -> list[float]:
    ordered = sorted(_finite(value) for value in values)
    if not ordered:
        raise ValueError("at least one value is needed")
    return ordered


def _interpolate(ordered: Sequence[float], fraction: float) -> float:
    return _interpolate_at(len(ordered), ordered.__getitem__, fraction)


def _interpolate_at(count: int, value_at: Callable[[int], float], fraction: float) -> float:
    lower, upper = quantile_positions(count, fraction)
    low_value = value_at(lower)
    if lower == upper:
        return low_value
    position = fraction * (count - 1)
    # Same expression and order of operations as PostgreSQL's float8_lerp.
    return low_value + ((position - lower) * (value_at(upper) - low_value))


#: The fractions :func:`quartiles` computes, by field of :class:`Quartiles`.
QUARTILE_FRACTIONS: Mapping[str, float] = {"q1": 0.25, "median": 0.5, "q3": 0.75,
                                           "p10": 0.1, "p90": 0.9}


def quantile_positions(count: int, fraction: float) -> tuple[int, int]:
    """Return the two 0-based positions among ``count`` sorted values that the
    ``fraction`` quantile interpolates between (the same position twice when exact)."""
    if count < 1:
        raise ValueError("at least one value is needed")
    position = fraction * (count - 1)
    return math.floor(position), math.ceil(position)


def quartiles_at(count: int, value_at: Callable[[int], float]) -> Quartiles:
    """Return :func:`quartiles` of ``count`` values known only at some positions.

    :param value_at: the value at a 0-based position of the values sorted ascending;
        called only with the positions :func:`quantile_positions` gives for each of
        :data:`QUARTILE_FRACTIONS`, so that a database can read just those.
    """
    def finite_at(position: int) -> float:
        return _finite(value_at(position))

    return Quartiles(**{name: _interpolate_at(count, finite_at, fraction)
                        for name, fraction in QUARTILE_FRACTIONS.items()})


def percentile_cont(values: Iterable[float], fraction: float) -> float:
    """Return the ``fraction`` quantile of ``values`` by linear interpolation.

    :param values: the values, in any order; at least one, all finite.
    :param fraction: the quantile wanted, between 0 and 1.
    :return: the interpolated quantile, as PostgreSQL's ``percentile_cont`` computes it.
    :raises ValueError: on no values, a non-finite value or a fraction outside ``[0, 1]``.
    """
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction must be between 0 and 1, got {fraction!r}")
    return _interpolate(_sorted_values(values), fraction)


def quartiles(values: Iterable[float]) -> Quartiles:
    """Return the quartiles and the 10th and 90th percentiles of ``values``.

    :param values: the values, in any order; at least one, all finite.
    :return: the quartiles by linear interpolation (see the module documentation).
    :raises ValueError: on no values or a non-finite value.
    """
    ordered = _sorted_values(values)
    return Quartiles(
        q1=_interpolate(ordered, 0.25),
        median=_interpolate(ordered, 0.5),
        q3=_interpolate(ordered, 0.75),
        p10=_interpolate(ordered, 0.1),
        p90=_interpolate(ordered, 0.9),
    )


def percentile_rank(value: float, values: Iterable[float]) -> float:
    """Return the mid-rank percentile of ``value`` among ``values``, from 0 to 100.

    :param value: the value to place.
    :param values: the peers' values; at least one, all finite.
    :return: ``100 * (below + equal / 2) / n`` where ``below`` and ``equal`` count the
        peers strictly below and equal to ``value``.
    :raises ValueError: on no values or a non-finite value.
    """
    target = _finite(value)
    below = 0
    equal = 0
    count = 0
    for peer in values:
        number = _finite(peer)
        count += 1
        if number < target:
            below += 1
        elif number == target:
            equal += 1
    if count == 0:
        raise ValueError("at least one value is needed")
    # Integers are exact, so this is one correctly rounded division, like the SQL form.
    return 100.0 * (2 * below + equal) / (2 * count)


def _check_min_peers(k: int) -> None:
    if k < 1:
        raise ValueError(f"the minimum peer group size must be at least 1, got {k!r}")


def peer_summary(
    subject_value: float | None,
    values: Sequence[float],
    *,
    k: int = DEFAULT_MIN_PEERS,
) -> PeerSummary | Suppressed:
    """Summarise a peer group and place the subject in it, unless the group is too small.

    :param subject_value: the subject's value, or ``None`` if it has none.
    :param values: the peers' values, all finite.
    :param k: the smallest group size for which statistics are shown.
    :return: a :class:`PeerSummary`, or :class:`Suppressed` when ``len(values) < k``.
    :raises ValueError: on ``k < 1`` or a non-finite value.
    """
    _check_min_peers(k)
    peers = [_finite(value) for value in values]
    if len(peers) < k:
        return Suppressed(n=len(peers), k=k)
    subject = None if subject_value is None else _finite(subject_value)
    return PeerSummary(
        n=len(peers),
        quartiles=quartiles(peers),
        subject_value=subject,
        percentile_rank=None if subject is None else percentile_rank(subject, peers),
    )


def section_summaries(
    subject: Mapping[str, float | None],
    peers: Sequence[Mapping[str, float | None]],
    k: int = DEFAULT_MIN_PEERS,
) -> dict[str, PeerSummary | Suppressed]:
    """Summarise every section of the subject against the same sections of its peers.

    For each key of ``subject``, the peer values are those peers that have a value
    (not ``None``, not missing) for that key, so ``k`` applies per section.

    :param subject: the subject's value per section id (``None`` when it has none).
    :param peers: one mapping per peer, with that peer's value per section id.
    :param k: the smallest group size for which statistics are shown.
    :return: the summary per section id, in the order of ``subject``.
    :raises ValueError: on ``k < 1`` or a non-finite value.
    """
    _check_min_peers(k)
    summaries: dict[str, PeerSummary | Suppressed] = {}
    for section_id, subject_value in subject.items():
        section_values: list[float] = []
        for peer in peers:
            peer_value = peer.get(section_id)
            if peer_value is not None:
                section_values.append(peer_value)
        summaries[section_id] = peer_summary(subject_value, section_values, k=k)
    return summaries
