"""Peer benchmarks: who the peers are, and their statistics computed in SQL.

The peer group
    For one questionnaire and one MAJOR version, each subject (a project, or an
    organisation for organisation questionnaires) contributes at most one result: its
    latest decided assessment, ranked with ``ROW_NUMBER()`` by approval date (then id).
    Assessments count when they are ``approved`` or ``certified``. A ``revoked``
    assessment takes part in the ranking but never in the group: when a subject's latest
    result was revoked, the subject drops out until a new assessment is approved, rather
    than falling back on an older result that its own newer one superseded. Filters on
    sector, stage and contract type use the project's attributes; region and country use
    the project's for project questionnaires and the organisation's for organisation
    questionnaires.

Whose results a viewer may see
    When an assessment is compared with its peers, every assessment of the viewer's own
    organisation is left out of the group, so that nothing the organisation already
    knows can be subtracted from an aggregate to isolate another organisation's result.
    Statistics are shown only when the group has at least ``k`` results *and* they come
    from at least ``k`` different organisations; otherwise the group is
    :class:`~ppp_assess.domain.benchmarking.Suppressed` and says why. A
    :class:`Benchmark` holds counts and aggregates only. (The evaluators' dashboard and
    the public showcase, further down, list individual results: the first is for
    evaluators and administrators only, the second shows only what an organisation
    chose to publish.)

The statistics
    Quartiles and the percentile rank follow the definitions fixed in
    :mod:`ppp_assess.domain.benchmarking`. On PostgreSQL the quartiles come from
    ``percentile_cont``; elsewhere (SQLite has no ``percentile_cont``) the same linear
    interpolation is computed from window functions over the ordered scores: equal
    scores are counted once, a running ``SUM(count) OVER (ORDER BY score)`` gives the
    0-based positions each score occupies (what ``ROW_NUMBER()`` gives every copy), and
    the two values around ``p * (n - 1)`` are interpolated with the same floating-point
    operations in the same order. Both databases therefore give the domain's answers.
    The overall score and every section are aggregated in one statement.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    func,
    literal,
    null,
    select,
    union_all,
)
from sqlalchemy.orm import Session, selectinload

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
    OrgRole,
    SubjectType,
)
from ppp_assess.domain.schema import Questionnaire
from ppp_assess.domain.scoring import score
from ppp_assess.domain.workflow import Status
from ppp_assess.models import (
    Assessment,
    Certificate,
    Organisation,
    Project,
    QuestionnaireVersion,
    SectionScore,
    Submission,
    User,
)
from ppp_assess.models.base import utcnow
from ppp_assess.services.audit import record_event
from ppp_assess.services.errors import Conflict, Invalid, NotFound
from ppp_assess.services.permissions import (
    can_view_organisation,
    ensure_can_publish,
    organisation_ids,
)
from ppp_assess.services.questionnaires import questionnaire_of

#: Statuses whose result counts in peer groups and on the evaluators' dashboard.
DECIDED = (Status.approved, Status.certified)
#: Statuses that take part in choosing each subject's latest result.
RANKED = (Status.approved, Status.certified, Status.revoked)
#: The key of the overall score among the section ids (section ids are slugs, never "*").
OVERALL = "*"
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
_QUARTILE_FRACTIONS = (("q1", 1, 4), ("median", 1, 2), ("q3", 3, 4))

Method = Literal["auto", "percentile_cont", "window"]


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
    minimum: float
    maximum: float
    q1: float
    median: float
    q3: float
    percentile_rank: float | None


# --------------------------------------------------------------------------- SQL


def _ranked_results(group: PeerGroup) -> Select[Any]:
    """Return each candidate result with its position among its subject's results."""
    subject_key = func.coalesce(Assessment.project_id, Assessment.organisation_id)
    position = func.row_number().over(
        partition_by=(Assessment.subject_type, subject_key),
        order_by=(Assessment.approved_at.desc().nulls_last(), Assessment.id.desc()),
    )
    query = (
        select(
            Assessment.id.label("assessment_id"),
            Assessment.organisation_id.label("organisation_id"),
            Assessment.status.label("status"),
            Assessment.score.label("score"),
            position.label("position"),
        )
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Assessment.questionnaire_version_id)
        .where(
            QuestionnaireVersion.questionnaire_id == group.questionnaire_id,
            QuestionnaireVersion.major == group.major,
            Assessment.subject_type == group.subject,
            Assessment.status.in_(RANKED),
        )
    )
    filters = group.filters.active()
    if group.subject == SubjectType.project:
        if filters:
            query = query.join(Project, Project.id == Assessment.project_id)
            for name, value in filters.items():
                query = query.where(getattr(Project, name) == value)
    else:
        if set(filters) & PROJECT_FILTERS:
            raise Invalid("These filters apply to project questionnaires only.")
        if filters:
            query = query.join(Organisation, Organisation.id == Assessment.organisation_id)
            for name, value in filters.items():
                query = query.where(getattr(Organisation, name) == value)
    if group.exclude_organisation_id is not None:
        query = query.where(Assessment.organisation_id != group.exclude_organisation_id)
    return query


def peer_results(group: PeerGroup) -> Select[Any]:
    """Return a query of the group's results: ``assessment_id``, ``organisation_id``,
    ``score``; one row per subject."""
    ranked = _ranked_results(group).subquery("ranked")
    return select(ranked.c.assessment_id, ranked.c.organisation_id, ranked.c.score).where(
        ranked.c.position == 1, ranked.c.status != Status.revoked
    )


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
    peers = peer_results(group).cte("peers")
    overall = select(
        literal(OVERALL, String).label("section_key"),
        peers.c.organisation_id,
        peers.c.score,
    )
    sections = select(
        SectionScore.section_id.label("section_key"),
        peers.c.organisation_id,
        SectionScore.score,
    ).join(peers, peers.c.assessment_id == SectionScore.assessment_id)
    values = union_all(overall, sections).cte("peer_values")
    scored = select(values).where(values.c.score.is_not(None)).subquery("scored")
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
        func.min(scored.c.score).label("minimum"),
        func.max(scored.c.score).label("maximum"),
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
            func.min(running.c.score).label("minimum"),
            func.max(running.c.score).label("maximum"),
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


def _method(session: Session, method: Method) -> Literal["percentile_cont", "window"]:
    if method != "auto":
        return method
    dialect = session.get_bind().dialect.name
    return "percentile_cont" if dialect == "postgresql" else "window"


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
    :param method: ``percentile_cont`` (PostgreSQL), ``window`` (any database) or
        ``auto`` to choose by database.
    :return: the statistics by key; keys without any value are absent. Nothing here is
        suppressed yet: callers must go through :func:`summarise`.
    """
    query = _statistics_query(group, subject or {}, _method(session, method))
    statistics: dict[str, GroupStatistics] = {}
    for row in session.execute(query):
        statistics[row.section_key] = GroupStatistics(
            key=row.section_key, n=int(row.n), organisations=int(row.organisations),
            minimum=float(row.minimum), maximum=float(row.maximum), q1=float(row.q1),
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
                            min=statistics.minimum, max=statistics.maximum),
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
    version = session.scalar(query.order_by(QuestionnaireVersion.id.desc()).limit(1))
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


# --------------------------------------------------------------------------- dashboard


@dataclass(frozen=True)
class DashboardFilters:
    """What the evaluators' dashboard is narrowed to; ``None`` leaves a filter open."""

    questionnaire_id: str | None = None
    country: str | None = None
    region: str | None = None
    sector: str | None = None
    stage: str | None = None
    level: str | None = None
    approved_from: dt.date | None = None
    approved_to: dt.date | None = None


@dataclass(frozen=True)
class EvaluatedRow:
    """One approved or certified assessment in the evaluators' list."""

    assessment_id: int
    questionnaire_id: str
    questionnaire_version: str
    #: The project name, or the organisation's for organisation questionnaires.
    subject_name: str
    organisation_name: str
    country: str
    sector: str | None
    stage: str | None
    score: float | None
    level: str | None
    status: Status
    approved_at: dt.datetime | None
    certificate_serial: str | None


@dataclass(frozen=True)
class WeakQuestion:
    """A question where the group loses many points."""

    questionnaire_id: str
    question_id: str
    #: The question text (a msgid).
    text: str
    section_title: str
    #: Overall points lost on this question, averaged over the group's assessments.
    mean_points_lost: float
    #: Share (0-1) of the group's assessments that scored below full marks here.
    share_below_full: float


@dataclass(frozen=True)
class LevelCount:
    """How many assessments of one questionnaire reached one level."""

    questionnaire_id: str
    level: str | None
    #: The level label (a msgid), or ``None`` without a level.
    label: str | None
    count: int


@dataclass(frozen=True)
class Dashboard:
    """Everything the evaluators' dashboard shows for one set of filters."""

    total: int
    rows: tuple[EvaluatedRow, ...]
    #: Counts of scores in [0, 10), [10, 20), ..., [90, 100].
    histogram: tuple[int, ...]
    levels: tuple[LevelCount, ...]
    weakest: tuple[WeakQuestion, ...]
    #: Assessments the weakest questions were computed from.
    analysed: int


HISTOGRAM_BINS = 10


def evaluated_conditions(filters: DashboardFilters) -> list[ColumnElement[bool]]:
    """Return the conditions that pick the filtered approved and certified assessments.

    The query they go into must join :class:`QuestionnaireVersion` and
    :class:`Organisation`, and outer-join :class:`Project`.
    """
    country = func.coalesce(Project.country, Organisation.country)
    region = func.coalesce(Project.region, Organisation.region)
    conditions: list[ColumnElement[bool]] = [Assessment.status.in_(DECIDED)]
    if filters.questionnaire_id:
        conditions.append(QuestionnaireVersion.questionnaire_id == filters.questionnaire_id)
    if filters.country:
        conditions.append(country == filters.country.upper())
    if filters.region:
        conditions.append(region == filters.region)
    if filters.sector:
        conditions.append(Project.sector == filters.sector)
    if filters.stage:
        conditions.append(Project.stage == filters.stage)
    if filters.level:
        conditions.append(Assessment.level == filters.level)
    if filters.approved_from:
        start = dt.datetime.combine(filters.approved_from, dt.time(), tzinfo=dt.UTC)
        conditions.append(Assessment.approved_at >= start)
    if filters.approved_to:
        end = dt.datetime.combine(filters.approved_to + dt.timedelta(days=1), dt.time(),
                                  tzinfo=dt.UTC)
        conditions.append(Assessment.approved_at < end)
    return conditions


def _evaluated(filters: DashboardFilters) -> Select[Any]:
    """Return the ids of the filtered approved and certified assessments."""
    return (
        select(Assessment.id)
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Assessment.questionnaire_version_id)
        .join(Organisation, Organisation.id == Assessment.organisation_id)
        .outerjoin(Project, Project.id == Assessment.project_id)
        .where(*evaluated_conditions(filters))
    )


def _histogram_bin(column: ColumnElement[Any] | Any) -> ColumnElement[Any]:
    # Comparisons rather than a cast: PostgreSQL rounds where SQLite truncates.
    whens = [(column < (index + 1) * 10, index) for index in range(HISTOGRAM_BINS - 1)]
    return case(*whens, else_=HISTOGRAM_BINS - 1)


def dashboard(session: Session, filters: DashboardFilters, *, limit: int = 100) -> Dashboard:
    """Return the evaluators' dashboard: the list, score and level distributions, and
    the weakest questions across the filtered assessments."""
    ids = _evaluated(filters).subquery("evaluated")
    total = session.scalar(select(func.count()).select_from(ids)) or 0

    certificate = (
        select(Certificate.serial)
        .where(Certificate.assessment_id == Assessment.id, Certificate.revoked_at.is_(None))
        .order_by(Certificate.id.desc()).limit(1).correlate(Assessment).scalar_subquery()
    )
    listing = session.execute(
        select(Assessment.id, QuestionnaireVersion.questionnaire_id, QuestionnaireVersion.version,
               func.coalesce(Project.name, Organisation.name).label("subject_name"),
               Organisation.name.label("organisation_name"),
               func.coalesce(Project.country, Organisation.country).label("country"),
               Project.sector, Project.stage, Assessment.score, Assessment.level,
               Assessment.status, Assessment.approved_at, certificate.label("serial"))
        .join(ids, ids.c.id == Assessment.id)
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Assessment.questionnaire_version_id)
        .join(Organisation, Organisation.id == Assessment.organisation_id)
        .outerjoin(Project, Project.id == Assessment.project_id)
        .order_by(Assessment.approved_at.desc().nulls_last(), Assessment.id.desc())
        .limit(limit)
    ).all()
    rows = tuple(
        EvaluatedRow(assessment_id=row.id, questionnaire_id=row.questionnaire_id,
                     questionnaire_version=row.version, subject_name=row.subject_name,
                     organisation_name=row.organisation_name, country=row.country,
                     sector=row.sector, stage=row.stage, score=row.score, level=row.level,
                     status=Status(row.status), approved_at=row.approved_at,
                     certificate_serial=row.serial)
        for row in listing
    )

    # The bin is computed in a subquery: PostgreSQL would not match a GROUP BY
    # expression carrying bound parameters with the same expression in the SELECT list.
    binned = (
        select(_histogram_bin(Assessment.score).label("bin"))
        .join(ids, ids.c.id == Assessment.id)
        .where(Assessment.score.is_not(None))
        .subquery("binned")
    )
    histogram = [0] * HISTOGRAM_BINS
    for bin_index, count in session.execute(
        select(binned.c.bin, func.count()).group_by(binned.c.bin)
    ):
        histogram[int(bin_index)] = int(count)

    level_rows = session.execute(
        select(QuestionnaireVersion.questionnaire_id, Assessment.level, func.count())
        .join(ids, ids.c.id == Assessment.id)
        .join(QuestionnaireVersion, QuestionnaireVersion.id == Assessment.questionnaire_version_id)
        .group_by(QuestionnaireVersion.questionnaire_id, Assessment.level)
    ).all()
    weakest, analysed, questionnaires = _weakest_questions(session, ids)
    levels = _level_counts(session, level_rows, questionnaires)
    return Dashboard(total=int(total), rows=rows, histogram=tuple(histogram),
                     levels=levels, weakest=weakest, analysed=analysed)


def _latest_questionnaires(session: Session, questionnaire_ids: Iterable[str]
                           ) -> dict[str, Questionnaire]:
    wanted = set(questionnaire_ids)
    if not wanted:
        return {}
    latest: dict[str, Questionnaire] = {}
    for version in session.scalars(
        select(QuestionnaireVersion)
        .where(QuestionnaireVersion.questionnaire_id.in_(wanted))
        .order_by(QuestionnaireVersion.id)
    ):
        latest[version.questionnaire_id] = questionnaire_of(version)
    return latest


def _level_counts(session: Session, rows: Sequence[Any],
                  questionnaires: Mapping[str, Questionnaire]) -> tuple[LevelCount, ...]:
    """Return the count per level, every level of each questionnaire in its order."""
    known = dict(questionnaires)
    known.update(_latest_questionnaires(session, {row[0] for row in rows} - set(known)))
    counts: dict[tuple[str, str | None], int] = {(row[0], row[1]): int(row[2]) for row in rows}
    result: list[LevelCount] = []
    for questionnaire_id in sorted({questionnaire for questionnaire, _level in counts}):
        questionnaire = known.get(questionnaire_id)
        levels = questionnaire.levels if questionnaire is not None else ()
        for level in levels:
            result.append(LevelCount(questionnaire_id, level.id, level.label,
                                     counts.get((questionnaire_id, level.id), 0)))
        ordered = {level.id for level in levels}
        others = sorted((level for questionnaire, level in counts
                         if questionnaire == questionnaire_id and level not in ordered),
                        key=lambda level: level or "")
        result.extend(LevelCount(questionnaire_id, level, None,
                                 counts[(questionnaire_id, level)]) for level in others)
    return tuple(result)


def _weakest_questions(session: Session, ids: Any, *, top: int = 10
                       ) -> tuple[tuple[WeakQuestion, ...], int, dict[str, Questionnaire]]:
    """Score each assessment's latest submission snapshot and average the points lost.

    One streamed query reads the snapshots of the whole group; each is scored with the
    domain against its own questionnaire version.
    """
    position = func.row_number().over(partition_by=Submission.assessment_id,
                                      order_by=Submission.number.desc()).label("position")
    snapshots = (
        select(Submission.assessment_id, Submission.answers, position)
        .join(ids, ids.c.id == Submission.assessment_id)
        .subquery("snapshots")
    )
    query = (
        select(Assessment.questionnaire_version_id, snapshots.c.answers)
        .join(snapshots, snapshots.c.assessment_id == Assessment.id)
        .where(snapshots.c.position == 1)
        .execution_options(yield_per=500)
    )
    version_ids = set(session.scalars(
        select(Assessment.questionnaire_version_id).join(ids, ids.c.id == Assessment.id)
        .distinct()))
    versions: dict[int, Questionnaire] = {
        version.id: questionnaire_of(version)
        for version in session.scalars(
            select(QuestionnaireVersion).where(QuestionnaireVersion.id.in_(version_ids)))
    } if version_ids else {}
    lost: dict[tuple[str, str], float] = {}
    below: dict[tuple[str, str], int] = {}
    counted: dict[str, int] = {}
    result = session.execute(query)
    for version_id, answers in result:
        questionnaire = versions[version_id]
        values = {question_id: entry.get("value")
                  for question_id, entry in (answers or {}).items()
                  if isinstance(entry, dict) and entry.get("value") is not None}
        report = score(questionnaire, values)
        counted[questionnaire.id] = counted.get(questionnaire.id, 0) + 1
        for gap in report.gaps:
            key = (questionnaire.id, gap.question_id)
            lost[key] = lost.get(key, 0.0) + gap.impact
            below[key] = below.get(key, 0) + 1
    latest = _latest_questionnaires(session, counted)
    weak: list[WeakQuestion] = []
    for questionnaire_id, count in sorted(counted.items()):
        questionnaire = latest[questionnaire_id]
        candidates = [
            (lost[(questionnaire_id, question.id)] / count, position_index, question)
            for position_index, question in enumerate(questionnaire.all_questions())
            if lost.get((questionnaire_id, question.id), 0.0) > 0
        ]
        candidates.sort(key=lambda item: (-item[0], item[1]))
        for mean_lost, _index, question in candidates[:top]:
            weak.append(WeakQuestion(
                questionnaire_id=questionnaire_id, question_id=question.id, text=question.text,
                section_title=questionnaire.section_of(question.id).title,
                mean_points_lost=mean_lost,
                share_below_full=below[(questionnaire_id, question.id)] / count))
    return tuple(weak), sum(counted.values()), latest


# --------------------------------------------------------------------------- showcase


@dataclass(frozen=True)
class ShowcaseEntry:
    """One published project result on the public showcase."""

    assessment_id: int
    project_name: str
    organisation_name: str
    country: str
    sector: str
    questionnaire_title: str
    score: float | None
    level: str | None
    #: The level label (a msgid).
    level_label: str | None
    certificate_serial: str | None
    showcased_at: dt.datetime


def showcase_candidates(session: Session, user: User) -> list[Assessment]:
    """Return the decided project assessments ``user`` may publish or withdraw."""
    organisations = organisation_ids(session, user, role=OrgRole.org_admin)
    return list(session.scalars(
        select(Assessment)
        .where(Assessment.organisation_id.in_(organisations),
               Assessment.subject_type == SubjectType.project,
               Assessment.status.in_(DECIDED))
        .options(selectinload(Assessment.project),
                 selectinload(Assessment.questionnaire_version))
        .order_by(Assessment.approved_at.desc().nulls_last(), Assessment.id.desc())
    ))


def set_showcased(session: Session, assessment_id: int, *, actor: User,
                  publish: bool) -> Assessment:
    """Publish a decided project assessment on the public showcase, or withdraw it.

    Only an administrator of the owning organisation may publish; they, or a platform
    administrator, may withdraw. Doing what is already done changes nothing.

    :raises NotFound: when the actor may not see the assessment.
    :raises Forbidden: when the actor is a member but not an administrator of it.
    :raises Conflict: when publishing an assessment that is not an approved or certified
        project assessment.
    """
    assessment = session.get(Assessment, assessment_id)
    if assessment is None or not can_view_organisation(session, actor, assessment.organisation):
        raise NotFound("This assessment does not exist.")
    session.refresh(assessment, with_for_update=True)
    ensure_can_publish(session, actor, assessment, publish=publish)
    if publish:
        if assessment.subject_type != SubjectType.project:
            raise Conflict("Only project assessments can be shown publicly.",
                           code="not_a_project")
        if assessment.status not in DECIDED:
            raise Conflict("Only approved or certified assessments can be shown publicly.",
                           code="not_decided")
    if (assessment.showcased_at is not None) == publish:
        return assessment
    before = assessment.showcased_at
    assessment.showcased_at = utcnow() if publish else None
    session.flush()
    record_event(
        session, actor_id=actor.id,
        action="assessment.showcased" if publish else "assessment.showcase_withdrawn",
        object_type="assessment", object_id=assessment.id,
        organisation_id=assessment.organisation_id,
        before={"showcased_at": before.isoformat() if before else None},
        after={"showcased_at": assessment.showcased_at.isoformat()
               if assessment.showcased_at else None},
    )
    return assessment


def showcase(session: Session) -> list[ShowcaseEntry]:
    """Return what organisations chose to publish, newest first.

    Only decided project assessments whose organisation published them appear; a result
    revoked later disappears without anyone withdrawing it.
    """
    certificate = (
        select(Certificate.serial)
        .where(Certificate.assessment_id == Assessment.id, Certificate.revoked_at.is_(None))
        .order_by(Certificate.id.desc()).limit(1).correlate(Assessment).scalar_subquery()
    )
    rows = session.execute(
        select(Assessment, Project.name, Project.country, Project.sector, Organisation.name,
               certificate)
        .join(Project, Project.id == Assessment.project_id)
        .join(Organisation, Organisation.id == Assessment.organisation_id)
        .where(Assessment.showcased_at.is_not(None),
               Assessment.status.in_(DECIDED),
               Assessment.subject_type == SubjectType.project,
               Organisation.active.is_(True))
        .options(selectinload(Assessment.questionnaire_version))
        .order_by(Assessment.showcased_at.desc(), Assessment.id.desc())
    ).all()
    entries: list[ShowcaseEntry] = []
    for assessment, project_name, country, sector, organisation_name, serial in rows:
        questionnaire = questionnaire_of(assessment.questionnaire_version)
        level_label = None
        if assessment.level:
            try:
                level_label = questionnaire.level(assessment.level).label
            except KeyError:
                level_label = None
        assert assessment.showcased_at is not None
        entries.append(ShowcaseEntry(
            assessment_id=assessment.id, project_name=project_name,
            organisation_name=organisation_name, country=country, sector=sector,
            questionnaire_title=questionnaire.title, score=assessment.score,
            level=assessment.level, level_label=level_label, certificate_serial=serial,
            showcased_at=assessment.showcased_at))
    return entries


__all__ = [
    "DECIDED",
    "FILTER_NAMES",
    "OVERALL",
    "Benchmark",
    "Dashboard",
    "DashboardFilters",
    "GroupStatistics",
    "PeerFilters",
    "PeerGroup",
    "SectionBenchmark",
    "ShowcaseEntry",
    "benchmark_for_assessment",
    "clean_filters",
    "dashboard",
    "group_statistics",
    "peer_benchmark",
    "peer_results",
    "set_showcased",
    "showcase",
    "showcase_candidates",
    "summarise",
]
