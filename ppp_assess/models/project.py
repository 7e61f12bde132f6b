"""Infrastructure projects."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ppp_assess.models.base import Base, created_at, intpk
from ppp_assess.models.organisation import Organisation


class Project(Base):
    """A PPP project owned by one organisation."""

    __tablename__ = "projects"

    id: Mapped[intpk]
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    #: Sector code from ``domain.reference.SECTORS``.
    sector: Mapped[str] = mapped_column(String(32), index=True)
    #: Mining-infrastructure subsector code from ``domain.reference.SUBSECTORS``.
    subsector: Mapped[str | None] = mapped_column(String(32))
    #: ISO 3166-1 alpha-2 country code of the project site.
    country: Mapped[str] = mapped_column(String(2), index=True)
    region: Mapped[str] = mapped_column(String(32), index=True)
    stage: Mapped[str] = mapped_column(String(32), index=True)
    contract_type: Mapped[str] = mapped_column(String(32), index=True)
    #: Capital value in whole units of ``currency``.
    capital_value: Mapped[int | None] = mapped_column(BigInteger)
    #: ISO 4217 currency code.
    currency: Mapped[str | None] = mapped_column(String(3))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[created_at]

    organisation: Mapped[Organisation] = relationship()
