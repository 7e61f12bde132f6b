"""Peer benchmarks: who the peers are, and their statistics computed in SQL.

The peer group
    For one questionnaire and one MAJOR version, each subject (a project, or an
    organisation for organisation questionnaires) contributes at most one result: its
    latest decided assessment by approval date (then id). Assessments count when they
    are ``approved`` or ``certified``. A ``revoked`` assessment takes part in the ranking
    but never in the group: when a subject's latest result was revoked, the subject
    drops out until a new assessment is approved, rather than falling back on an older
    result that its own newer one superseded. Filters on sector, stage and contract type
    use the project's attributes; region and country use the project's for project
    questionnaires and the organisation's for organisation questionnaires. These current
    results are kept, with those attributes, in the peer index
    (:mod:`ppp_assess.services.peer_index`), so that nothing here ranks assessments.

Whose results a viewer may see
    When an assessment is compared with its peers, every assessment of the viewer's own
    organisation is left out of the group, so that nothing the organisation already
    knows can be subtracted from an aggregate to isolate another organisation's result.
    Statistics are shown only when the group has at least ``k`` results *and* they come
    from at least ``k`` different organisations; otherwise the group is
    :class:`~ppp_assess.domain.benchmarking.Suppressed` and says why. A
    :class:`Benchmark` holds counts and aggregates only. (The evaluators' dashboard and
    the public showcase, in the sibling modules, list individual results: the first is
    for evaluators and administrators only, the second shows only what an organisation
    chose to publish.)

The statistics
    Quartiles and the percentile rank follow the definitions fixed in
    :mod:`ppp_assess.domain.benchmarking`, and are read from ordered index ranges of
    ``peer_scores`` rather than computed over every score. For each of the group's keys
    (the overall score and each section, each one integer id in ``peer_keys``, which
    leads every index read here), one statement counts the scores and the organisations
    along the index of (key, organisation) and counts the scores below and equal to the
    subject's value along the index of (key, score); a second reads the two scores
    around each quantile's position with ``ORDER BY score LIMIT 2 OFFSET n``, from
    whichever end of the index is nearer. The interpolation is then the domain's own
    (:func:`~ppp_assess.domain.benchmarking.quartiles_at`), so the answers are the
    domain's to the last bit. The filters most used (none, or the sector) follow the key
    in an index; any other filter is applied along the same ranges. ``percentile_cont``
    (PostgreSQL) and ``window`` (any database) aggregate every score of the group in one
    statement instead; they remain as cross-checks: equal scores are counted once, a
    running ``SUM(count) OVER (ORDER BY score)`` gives the 0-based positions each score
    occupies, and the two values around ``p * (n - 1)`` are interpolated with the same
    floating-point operations in the same order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Select,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    literal_column,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import Session

from ppp_assess.domain import benchmarking
from ppp_assess.domain.benchmarking import (
    DEFAULT_MIN_PEERS,
    PeerSummary,
    Quartiles,
    Suppressed,
)
from ppp_assess.domain.messages import N_
from ppp_assess.domain.reference import (
    CONTRACT_TYPES,
    REGIONS,
    SECTORS,
    STAGES,
    SubjectType,
)
from ppp_assess.domain.schema import Questionnaire
from ppp_assess.domain.workflow import Status
from ppp_assess.models import (
    Assessment,
    Organisation,
    PeerKey,
    PeerScore,
    QuestionnaireVersion,
)
from ppp_assess.services.errors import Invalid, NotFound
from ppp_assess.services.peer_index import OVERALL as OVERALL  # re-exported
from ppp_assess.services.peer_index import RANKED as RANKED  # re-exported
from ppp_assess.services.questionnaires import questionnaire_of

#: Statuses whose result counts in peer groups and on the evaluators' dashboard.
DECIDED = (Status.approved, Status.certified)
#: Why a group whose results come from too few organisations shows nothing (a msgid).
FEW_ORGANISATIONS_REASON = N_(
    "The peers come from too few organisations to show statistics without revealing an "
    "organisation's results."
)
#: Filters by name, in the order forms and exports show them.
FILTER_NAMES = ("sector", "region", "country", "stage", "contract_type")
#: Filters that describe a project and so mean nothing for organisation questionnaires.
PROJECT_FILTERS = frozenset({"sector", "stage", "contract_type"})
_CODE_LISTS: Mapping[str, Mapping[str, str]] = {
    "sector": SECTORS,
    "region": REGIONS,
    "stage": STAGES,
    "contract_type": CONTRACT_TYPES,
}
_COUNTRY = re.compile(r"[A-Z]{2}")
#: The quantiles computed for each group, as exact fractions: never the lowest or highest
#: score, which would be one organisation's own result.
_QUARTILE_FRACTIONS = (("q1", 1, 4), ("median", 1, 2), ("q3", 3, 4), ("p10", 1, 10),
                       ("p90", 9, 10))

Method = Literal["auto", "indexed", "percentile_cont", "window"]


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class PeerFilters:
    """Attributes the peers must share; ``None`` leaves an attribute open."""

    sector: str | None = None
    region: str | None = None
    country: str | None = None
    stage: str | None = None
    contract_type: str | None = None

    def active(self) -> dict[str, str]:
        """Return the filters that are set, by name, in :data:`FILTER_NAMES` order."""
        return {name: value for name in FILTER_NAMES
                if (value := getattr(self, name)) is not None}


def clean_filters(values: Mapping[str, Any], *, subject: SubjectType) -> PeerFilters:
    """Return the peer filters given as request values, checked against the code lists.

    Empty values leave a filter open; country codes are upper-cased.

    :raises Invalid: for an unknown code, or a project filter on an organisation
        questionnaire (``fields`` names the filter).
    """
    cleaned: dict[str, str] = {}
    errors: dict[str, str] = {}
    for name in FILTER_NAMES:
        raw = values.get(name)
        value = str(raw).strip() if raw is not None else ""
        if not value:
            continue
        if name == "country":
            value = value.upper()
            if not _COUNTRY.fullmatch(value):
                errors[name] = "not_a_country"
                continue
        elif value not in _CODE_LISTS[name]:
            errors[name] = "unknown_code"
            continue
        if subject == SubjectType.organisation and name in PROJECT_FILTERS:
            errors[name] = "project_only"
            continue
        cleaned[name] = value
    if errors:
        raise Invalid("Some filters are not valid.", fields=errors)
    return PeerFilters(**cleaned)


@dataclass(frozen=True)
class PeerGroup:
    """Which results form a peer group."""

    questionnaire_id: str
    major: int
    subject: SubjectType
    filters: PeerFilters = field(default_factory=PeerFilters)
    #: Leave out every assessment of this organisation (the viewer's own).
    exclude_organisation_id: int | None = None


# --------------------------------------------------------------------------- outputs


@dataclass(frozen=True)
class SectionBenchmark:
    """The subject against its peers in one section."""

    id: str
    #: The section title (a msgid).
    title: str
    summary: PeerSummary | Suppressed


@dataclass(frozen=True)
class Benchmark:
    """A peer group's statistics, and the subject's standing in it when there is one.

    This is what the benchmark panel, the API and the evaluators' pages show. It holds
    counts and aggregates only, never another subject's result.
    """

    questionnaire_id: str
    #: The questionnaire title (a msgid).
    questionnaire_title: str
    major: int
    subject: SubjectType
    filters: PeerFilters
    k: int
    overall: PeerSummary | Suppressed
    sections: tuple[SectionBenchmark, ...]
    #: The assessment compared with its peers, if any.
    assessment_id: int | None = None
    #: The filters the viewer may switch on, for an assessment (its own attributes).
    available_matches: tuple[str, ...] = ()
    #: The subject's own values by key (:data:`OVERALL` or a section id), shown to its
    #: organisation even where the peers' statistics are not.
    subject_values: Mapping[str, float | None] = field(default_factory=dict)

    @property
    def shown(self) -> bool:
        """Return whether the overall statistics are shown (the group is large enough)."""
        return isinstance(self.overall, PeerSummary)


@dataclass(frozen=True)
class GroupStatistics:
    """One row of the statistics query: a key (section id or :data:`OVERALL`)."""

    key: str
    n: int
    organisations: int
    p10: float
    p90: float
    q1: float
    median: float
    q3: float
    percentile_rank: float | None


# --------------------------------------------------------------------------- SQL


def _peer_conditions(group: PeerGroup) -> list[ColumnElement[bool]]:
    """Return the conditions on ``peer_scores`` joined to ``peer_keys`` that select the
    group's scores."""
    conditions: list[ColumnElement[bool]] = [
        PeerKey.questionnaire_id == group.questionnaire_id,
        PeerKey.major == group.major,
        PeerKey.subject_type == group.subject,
    ]
    filters = group.filters.active()
    if group.subject == SubjectType.organisation and set(filters) & PROJECT_FILTERS:
        raise Invalid("These filters apply to project questionnaires only.")
    conditions.extend(getattr(PeerScore, name) == value for name, value in filters.items())
    if group.exclude_organisation_id is not None:
        conditions.append(PeerScore.organisation_id != group.exclude_organisation_id)
    return conditions


def peer_results(group: PeerGroup) -> Select[Any]:
    """Return a query of the group's results: ``assessment_id``, ``organisation_id``,
    ``score``; one row per subject with an overall score."""
    columns: list[Any] = [PeerScore.assessment_id, PeerScore.organisation_id, PeerScore.score]
    return (select(*columns).join(PeerKey, PeerKey.id == PeerScore.key_id)
            .where(PeerKey.section_key == OVERALL, *_peer_conditions(group)))


def _subject_value(key: ColumnElement[Any], subject: Mapping[str, float | None]
                   ) -> ColumnElement[Any]:
    # Typed explicitly: PostgreSQL cannot infer the type of a bare NULL parameter.
    known = [(key == section, cast(literal(value), Float)) for section, value in subject.items()
             if value is not None]
    if not known:
        return cast(null(), Float)
    return case(*known, else_=cast(null(), Float))


def _statistics_query(group: PeerGroup, subject: Mapping[str, float | None],
                      method: Literal["percentile_cont", "window"]) -> Select[Any]:
    scored = (select(PeerKey.section_key, PeerScore.organisation_id, PeerScore.score)
              .join(PeerKey, PeerKey.id == PeerScore.key_id)
              .where(*_peer_conditions(group)).subquery("scored"))
    if method == "percentile_cont":
        return _percentile_cont_query(scored, subject)
    return _window_query(scored, subject)


def _rank(key: ColumnElement[Any], below: ColumnElement[Any], equal: ColumnElement[Any],
          count: ColumnElement[Any], subject: Mapping[str, float | None]
          ) -> ColumnElement[Any]:
    # One correctly rounded division of exact integers, as in domain.percentile_rank.
    return case(
        (func.max(_subject_value(key, subject)).is_(None), cast(null(), Float)),
        else_=(cast(100.0, Float) * (2 * below + equal)) / cast(2 * count, Float),
    )


def _percentile_cont_query(scored: Any, subject: Mapping[str, float | None]) -> Select[Any]:
    """PostgreSQL: ordered-set aggregates over the scores of each key."""
    target = _subject_value(scored.c.section_key, subject)
    count = func.count(scored.c.score)
    below = func.sum(case((scored.c.score < target, 1), else_=0))
    equal = func.sum(case((scored.c.score == target, 1), else_=0))
    return select(
        scored.c.section_key.label("section_key"),
        count.label("n"),
        func.count(func.distinct(scored.c.organisation_id)).label("organisations"),
        *(func.percentile_cont(numerator / denominator).within_group(scored.c.score)
          .label(name) for name, numerator, denominator in _QUARTILE_FRACTIONS),
        _rank(scored.c.section_key, below, equal, count, subject).label("percentile_rank"),
    ).group_by(scored.c.section_key)


def _window_query(scored: Any, subject: Mapping[str, float | None]) -> Select[Any]:
    """Any database: the same interpolation from running counts over the ordered scores.

    Equal scores are first counted together (``GROUP BY`` key and score), so the window
    runs over distinct scores only: a running ``SUM(count) OVER (ORDER BY score)`` says
    which 0-based positions of the sorted list each score occupies, exactly as
    ``ROW_NUMBER()`` would for every copy of it.
    """
    tallied = (
        # An INTEGER count: PostgreSQL would sum a BIGINT into NUMERIC, whose division
        # is not the integer division the positions need.
        select(scored.c.section_key, scored.c.score,
               cast(func.count(), Integer).label("copies"))
        .group_by(scored.c.section_key, scored.c.score)
        .subquery("tallied")
    )
    running = select(
        tallied.c.section_key,
        tallied.c.score,
        tallied.c.copies,
        func.sum(tallied.c.copies).over(partition_by=tallied.c.section_key,
                                        order_by=tallied.c.score,
                                        rows=(None, 0)).label("through"),
        func.sum(tallied.c.copies).over(partition_by=tallied.c.section_key).label("total"),
    ).subquery("running")
    organisations = (
        select(scored.c.section_key,
               func.count(func.distinct(scored.c.organisation_id)).label("organisations"))
        .group_by(scored.c.section_key)
        .subquery("organisations")
    )
    first = running.c.through - running.c.copies  # first 0-based position of this score
    last = running.c.through  # one past its last position
    count = running.c.total
    target = _subject_value(running.c.section_key, subject)
    below = func.sum(case((running.c.score < target, running.c.copies), else_=0))
    equal = func.sum(case((running.c.score == target, running.c.copies), else_=0))
    return (
        select(
            running.c.section_key.label("section_key"),
            count.label("n"),
            organisations.c.organisations,
            *(_interpolated(first, last, running.c.score, count, numerator, denominator)
              .label(name) for name, numerator, denominator in _QUARTILE_FRACTIONS),
            _rank(running.c.section_key, below, equal, count, subject).label(
                "percentile_rank"),
        )
        .join(organisations, organisations.c.section_key == running.c.section_key)
        .group_by(running.c.section_key, count, organisations.c.organisations)
    )


def _interpolated(first: ColumnElement[Any], last: ColumnElement[Any],
                  value: ColumnElement[Any], count: ColumnElement[Any], numerator: int,
                  denominator: int) -> ColumnElement[Any]:
    """Return the ``numerator/denominator`` quantile as ``percentile_cont`` computes it.

    With ``n`` sorted values: ``position = p * (n - 1)``, ``lower = floor(position)``,
    ``upper = ceil(position)`` (integer arithmetic, exact), and
    ``v[lower] + (position - lower) * (v[upper] - v[lower])`` in floating point, where
    ``v[i]`` is the score whose positions ``first <= i < last`` include ``i``.
    """
    steps = (count - 1) * numerator
    lower = steps // denominator  # integer division of non-negative integers: the floor
    upper = (steps + denominator - 1) // denominator  # the ceiling
    position = cast(numerator / denominator, Float) * (count - 1)
    proportion = position - cast(lower, Float)
    low_value = func.max(case((and_(first <= lower, lower < last), value)))
    high_value = func.max(case((and_(first <= upper, upper < last), value)))
    return low_value + proportion * (high_value - low_value)


@dataclass(frozen=True)
class _Shape:
    """What the SQL of a group's statements depends on (its values are parameters)."""

    filters: tuple[str, ...]
    excluded: bool
    #: Count organisations by grouping (PostgreSQL, whose ``DISTINCT`` sorts or hashes)
    #: rather than by counting a ``SELECT DISTINCT`` (SQLite skips ahead along the index
    #: from one organisation to the next).
    grouped: bool


@dataclass(frozen=True)
class _Statements:
    keys: Select[int, str]
    counts: Select[Any]
    counts_and_rank: Select[Any]
    values: Select[Any]


def _parameters(group: PeerGroup) -> tuple[dict[str, Any], dict[str, Any]]:
    """Return the parameters of the keys statement, and those of every key's statements
    but the key itself."""
    filters = group.filters.active()
    if group.subject == SubjectType.organisation and set(filters) & PROJECT_FILTERS:
        raise Invalid("These filters apply to project questionnaires only.")
    keys: dict[str, Any] = {"questionnaire_id": group.questionnaire_id,
                            "major": group.major, "subject_type": group.subject}
    parameters: dict[str, Any] = {f"filter_{name}": value for name, value in filters.items()}
    if group.exclude_organisation_id is not None:
        parameters["excluded"] = group.exclude_organisation_id
    return keys, parameters


#: The quantiles in the order the values statement reads them, each from the nearer end.
_FRACTIONS = tuple(benchmarking.QUARTILE_FRACTIONS.items())


@cache
def _statements(shape: _Shape) -> _Statements:
    """Build the statements of one shape once: SQLAlchemy then finds them compiled."""
    # The group's keys: the overall score's and each section's that ever had scores, in
    # the order of the unique index that finds them.
    keys = select(PeerKey.id, PeerKey.section_key).where(
        PeerKey.questionnaire_id == bindparam("questionnaire_id"),
        PeerKey.major == bindparam("major"),
        PeerKey.subject_type == bindparam("subject_type")).order_by(PeerKey.section_key)

    # Every statement below reads one key's scores: the ranges of the indexes that lead
    # with the key's id (then the sector, when filtered on).
    of_key: list[ColumnElement[bool]] = [
        PeerScore.key_id == bindparam("key_id"),
        *(getattr(PeerScore, name) == bindparam(f"filter_{name}") for name in shape.filters),
    ]
    if shape.excluded:
        of_key.append(PeerScore.organisation_id != bindparam("excluded"))

    # One key's number of scores and of organisations in one pass along the index of
    # (key, organisation), and the scores below and equal to the subject's value by
    # index range counts; no sort.
    value = bindparam("value", type_=Float)
    rank = (select(func.count()).where(*of_key, PeerScore.score < value)
            .scalar_subquery().label("below"),
            select(func.count()).where(*of_key, PeerScore.score == value)
            .scalar_subquery().label("equal"))
    if shape.grouped:
        per_organisation = (select(func.count().label("scores")).where(*of_key)
                            .group_by(PeerScore.organisation_id).subquery("per_organisation"))
        counted: list[Any] = [
            func.coalesce(func.sum(per_organisation.c.scores), 0).label("n"),
            func.count().label("organisations")]
        counts = select(*counted)
    else:
        # SELECT DISTINCT along the index skips from one organisation to the next.
        organisations = select(PeerScore.organisation_id).where(*of_key).distinct().subquery()
        counted = [func.count().label("n"),
                   select(func.count()).select_from(organisations).scalar_subquery()
                   .label("organisations")]
        counts = select(*counted).where(*of_key)
    counts_and_rank = counts.add_columns(*rank)

    # The two scores around each quantile's position: ORDER BY score LIMIT 2 OFFSET n
    # along the ordered index, from the nearer end (then the greatest of the two is the
    # upper one).
    reads = []
    for index, (_name, fraction) in enumerate(_FRACTIONS):
        order = PeerScore.score if fraction <= 0.5 else PeerScore.score.desc()
        read = (select(PeerScore.score).where(*of_key).order_by(order)
                .offset(bindparam(f"offset_{index}", type_=Integer)).limit(2).subquery())
        reads.append(select(literal_column(str(index), Integer).label("fraction"),
                            func.min(read.c.score).label("low"),
                            func.max(read.c.score).label("high")))
    values = select(union_all(*reads).subquery("quantile_values"))
    return _Statements(keys=keys, counts=counts, counts_and_rank=counts_and_rank,
                       values=values)


def _indexed_statistics(session: Session, group: PeerGroup,
                        subject: Mapping[str, float | None]) -> dict[str, GroupStatistics]:
    """Each key in statements of its own, small enough for PostgreSQL to plan them without
    compiling them first (its JIT took longer than the queries)."""
    key_parameters, filter_parameters = _parameters(group)
    statements = _statements(_Shape(
        filters=tuple(group.filters.active()),
        excluded=group.exclude_organisation_id is not None,
        grouped=session.get_bind().dialect.name == "postgresql"))
    keys = session.execute(statements.keys, key_parameters).all()
    statistics: dict[str, GroupStatistics] = {}
    for key_id, key in keys:
        parameters = {**filter_parameters, "key_id": key_id}
        value = subject.get(key)
        if value is None:
            counts = session.execute(statements.counts, parameters).one()
        else:
            counts = session.execute(statements.counts_and_rank,
                                     {**parameters, "value": value}).one()
        count = int(counts.n)
        if count == 0:  # no scores of this key in the group (any more)
            continue
        positions = [benchmarking.quantile_positions(count, fraction)
                     for _name, fraction in _FRACTIONS]
        offsets = {f"offset_{index}": lower if fraction <= 0.5 else count - 1 - upper
                   for index, ((_name, fraction), (lower, upper))
                   in enumerate(zip(_FRACTIONS, positions, strict=True))}
        values: dict[int, float] = {}
        for row in session.execute(statements.values, {**parameters, **offsets}):
            if row.low is None:  # scores went since the count: start again
                return _indexed_statistics(session, group, subject)
            lower, upper = positions[row.fraction]
            if _FRACTIONS[row.fraction][1] <= 0.5:
                values[lower] = float(row.low)
                values[lower + 1] = float(row.high)
            else:
                values[upper] = float(row.high)
                values[upper - 1] = float(row.low)
        quartiles = benchmarking.quartiles_at(count, values.__getitem__)
        rank = None
        if value is not None:
            # One correctly rounded division of exact integers, as in the domain.
            rank = 100.0 * (2 * int(counts.below) + int(counts.equal)) / (2 * count)
        statistics[key] = GroupStatistics(
            key=key, n=count, organisations=int(counts.organisations), p10=quartiles.p10,
            p90=quartiles.p90, q1=quartiles.q1, median=quartiles.median, q3=quartiles.q3,
            percentile_rank=rank)
    return statistics


def group_statistics(
    session: Session,
    group: PeerGroup,
    subject: Mapping[str, float | None] | None = None,
    *,
    method: Method = "auto",
) -> dict[str, GroupStatistics]:
    """Compute the group's statistics for the overall score and every section in SQL.

    :param subject: the subject's value by key (:data:`OVERALL` or a section id), for
        its percentile ranks.
    :param method: ``indexed`` (the default, ``auto``: two statements reading ordered
        index ranges of ``peer_scores``), or ``percentile_cont`` (PostgreSQL) and
        ``window`` (any database), which aggregate every score of the group in one
        statement and serve as cross-checks.
    :return: the statistics by key; keys without any value are absent. Nothing here is
        suppressed yet: callers must go through :func:`summarise`.
    """
    if method == "auto" or method == "indexed":
        return _indexed_statistics(session, group, subject or {})
    query = _statistics_query(group, subject or {}, method)
    statistics: dict[str, GroupStatistics] = {}
    for row in session.execute(query):
        statistics[row.section_key] = GroupStatistics(
            key=row.section_key, n=int(row.n), organisations=int(row.organisations),
            p10=float(row.p10), p90=float(row.p90), q1=float(row.q1),
            median=float(row.median), q3=float(row.q3),
            percentile_rank=None if row.percentile_rank is None else float(row.percentile_rank),
        )
    return statistics


def summarise(statistics: GroupStatistics | None, subject_value: float | None,
              *, k: int) -> PeerSummary | Suppressed:
    """Return what may be shown of one key's statistics: a summary, or why not."""
    if k < 1:
        raise ValueError(f"the minimum peer group size must be at least 1, got {k!r}")
    if statistics is None:
        return Suppressed(n=0, k=k)
    if statistics.n < k:
        return Suppressed(n=statistics.n, k=k)
    if statistics.organisations < k:
        return Suppressed(n=statistics.n, k=k, reason=FEW_ORGANISATIONS_REASON)
    return PeerSummary(
        n=statistics.n,
        quartiles=Quartiles(q1=statistics.q1, median=statistics.median, q3=statistics.q3,
                            p10=statistics.p10, p90=statistics.p90),
        subject_value=subject_value,
        percentile_rank=statistics.percentile_rank if subject_value is not None else None,
    )


def _benchmark(session: Session, group: PeerGroup, questionnaire: Questionnaire, *, k: int,
               subject: Mapping[str, float | None] | None, method: Method = "auto",
               assessment_id: int | None = None,
               available_matches: tuple[str, ...] = ()) -> Benchmark:
    values = dict(subject or {})
    statistics = group_statistics(session, group, values, method=method)
    return Benchmark(
        questionnaire_id=group.questionnaire_id,
        questionnaire_title=questionnaire.title,
        major=group.major,
        subject=group.subject,
        filters=group.filters,
        k=k,
        overall=summarise(statistics.get(OVERALL), values.get(OVERALL), k=k),
        sections=tuple(
            SectionBenchmark(section.id, section.title,
                             summarise(statistics.get(section.id), values.get(section.id), k=k))
            for section in questionnaire.sections
        ),
        assessment_id=assessment_id,
        available_matches=available_matches,
        subject_values=values,
    )


# --------------------------------------------------------------------------- use cases


def latest_version(session: Session, questionnaire_id: str,
                   major: int | None = None) -> QuestionnaireVersion:
    """Return the newest published version of a questionnaire (within ``major``, if given).

    :raises NotFound: when there is none.
    """
    query = select(QuestionnaireVersion).where(
        QuestionnaireVersion.questionnaire_id == questionnaire_id)
    if major is not None:
        query = query.where(QuestionnaireVersion.major == major)
    # The highest major version; within it, the last published.
    version = session.scalar(query.order_by(QuestionnaireVersion.major.desc(),
                                            QuestionnaireVersion.id.desc()).limit(1))
    if version is None:
        raise NotFound("This questionnaire does not exist.")
    return version


def peer_benchmark(session: Session, *, questionnaire_id: str, major: int | None = None,
                   filters: PeerFilters | None = None, k: int = DEFAULT_MIN_PEERS,
                   method: Method = "auto") -> Benchmark:
    """Return the statistics of a peer group, without a subject.

    :raises NotFound: for an unknown questionnaire or major version.
    :raises Invalid: for project filters on an organisation questionnaire.
    """
    version = latest_version(session, questionnaire_id, major)
    subject = SubjectType(version.subject)
    group = PeerGroup(questionnaire_id=questionnaire_id, major=version.major, subject=subject,
                      filters=filters or PeerFilters())
    return _benchmark(session, group, questionnaire_of(version), k=k, subject=None,
                      method=method)


def matchable_filters(session: Session, assessment: Assessment) -> dict[str, str]:
    """Return the subject's own attributes that its peer group can be narrowed to."""
    if assessment.subject_type == SubjectType.project:
        project = assessment.project
        if project is None:
            return {}
        return {name: getattr(project, name) for name in FILTER_NAMES}
    organisation = session.get(Organisation, assessment.organisation_id)
    if organisation is None:
        return {}
    return {"region": organisation.region, "country": organisation.country}


def benchmark_for_assessment(session: Session, assessment: Assessment, *,
                             k: int = DEFAULT_MIN_PEERS, match: Iterable[str] = (),
                             method: Method = "auto") -> Benchmark:
    """Place an assessment among its peers, overall and per section.

    The peers are the latest decided results of the same questionnaire and major version
    from *other* organisations, narrowed to the subject's own sector, region, country,
    stage or contract type for each name in ``match``. The subject's values are its
    current cached scores, whatever its status.

    :raises Invalid: for a name in ``match`` that does not apply to this subject.
    """
    version = assessment.questionnaire_version
    own = matchable_filters(session, assessment)
    wanted = list(dict.fromkeys(match))
    unknown = [name for name in wanted if name not in own]
    if unknown:
        raise Invalid("Some filters are not valid.",
                      fields={name: "unknown_filter" for name in unknown})
    filters = PeerFilters(**{name: own[name] for name in wanted})
    subject = SubjectType(version.subject)
    group = PeerGroup(questionnaire_id=version.questionnaire_id, major=version.major,
                      subject=subject, filters=filters,
                      exclude_organisation_id=assessment.organisation_id)
    values: dict[str, float | None] = {OVERALL: assessment.score}
    values.update({row.section_id: row.score for row in assessment.section_scores})
    return _benchmark(session, group, questionnaire_of(version), k=k, subject=values,
                      method=method, assessment_id=assessment.id,
                      available_matches=tuple(name for name in FILTER_NAMES if name in own))
