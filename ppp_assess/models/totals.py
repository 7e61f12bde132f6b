"""Totals of the decided assessments, kept as they are decided, for the evaluators' dashboard.

One :class:`DashboardTotal` row per combination of the dashboard's filters (questionnaire,
country, region, sector, stage, level) holds how many approved and certified assessments
fall in it and their score histogram; :class:`DashboardQuestionTotal` rows hold, per
question, the points those assessments lost there. The dashboard sums these rows instead
of scanning every assessment and frozen question score. They are maintained by
:mod:`ppp_assess.services.benchmarks.totals`, in the transaction that changes what they
count, and can be rebuilt from scratch there.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ppp_assess.models.base import Base, intpk

#: The score histogram's bins: [0, 10), [10, 20), ..., [90, 100].
HISTOGRAM_BINS = 10
#: Points lost are summed as whole billionths of a point: integer sums are exact and do
#: not depend on the order assessments were added and taken away in.
POINTS_SCALE = 1_000_000_000


class DashboardTotal(Base):
    """The approved and certified assessments of one combination of the dashboard's filters.

    ``None`` in a key column stands for no value (an organisation assessment has no
    sector, stage or project). A combination may have more than one row (two
    transactions creating it at once): readers always sum.
    """

    __tablename__ = "dashboard_totals"
    __table_args__ = (
        Index("ix_dashboard_totals_key", "questionnaire_id", "sector", "country", "level"),
    )

    id: Mapped[intpk]
    questionnaire_id: Mapped[str] = mapped_column(String(100))
    #: The project's country and region, or the organisation's without a project.
    country: Mapped[str | None] = mapped_column(String(2))
    region: Mapped[str | None] = mapped_column(String(32))
    sector: Mapped[str | None] = mapped_column(String(32))
    stage: Mapped[str | None] = mapped_column(String(32))
    level: Mapped[str | None] = mapped_column(String(40))
    assessments: Mapped[int] = mapped_column(Integer, default=0)
    #: Those with at least one submission (the weakest questions are averaged over them).
    submitted: Mapped[int] = mapped_column(Integer, default=0)
    #: Scores in each histogram bin (``score_bin_0``: [0, 10) ... ``score_bin_9``: [90, 100]).
    score_bin_0: Mapped[int] = mapped_column(Integer, default=0)
    score_bin_1: Mapped[int] = mapped_column(Integer, default=0)
    score_bin_2: Mapped[int] = mapped_column(Integer, default=0)
    score_bin_3: Mapped[int] = mapped_column(Integer, default=0)
    score_bin_4: Mapped[int] = mapped_column(Integer, default=0)
    score_bin_5: Mapped[int] = mapped_column(Integer, default=0)
    score_bin_6: Mapped[int] = mapped_column(Integer, default=0)
    score_bin_7: Mapped[int] = mapped_column(Integer, default=0)
    score_bin_8: Mapped[int] = mapped_column(Integer, default=0)
    score_bin_9: Mapped[int] = mapped_column(Integer, default=0)


class DashboardQuestionTotal(Base):
    """The points one question lost across the assessments of one :class:`DashboardTotal`."""

    __tablename__ = "dashboard_question_totals"
    __table_args__ = (
        Index("ix_dashboard_question_totals_total", "total_id", "question_id"),
    )

    id: Mapped[intpk]
    total_id: Mapped[int] = mapped_column(
        ForeignKey("dashboard_totals.id", ondelete="CASCADE"))
    question_id: Mapped[str] = mapped_column(String(100))
    #: The sum of the frozen points lost, in :data:`POINTS_SCALE` units.
    points_lost: Mapped[int] = mapped_column(BigInteger, default=0)
    #: How many of the assessments scored below full marks on the question.
    below_full: Mapped[int] = mapped_column(Integer, default=0)
