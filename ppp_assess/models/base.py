"""Declarative base, naming conventions and shared column types."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Annotated, Any

from sqlalchemy import (
    JSON,
    DateTime,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    cast,
    null,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def typed_nulls(columns: Sequence[Any]) -> list[Any]:
    """Return a NULL of each column's type: the padding of one kind of row in a UNION ALL
    that reads rows of several kinds in one statement (PostgreSQL wants the types of a
    column to agree across its parts)."""
    return [cast(null(), column.type) for column in columns]


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Store timestamps as naive UTC and return them timezone-aware.

    SQLite keeps no offset and PostgreSQL converts to the session zone; storing naive UTC
    gives the same value back from both, which the audit hash chain relies on.
    """

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("Timestamps must be timezone-aware.")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(
        self, value: dt.datetime | None, dialect: Dialect
    ) -> dt.datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=dt.UTC)


#: JSON everywhere, stored as JSONB on PostgreSQL.
JSONType = JSON().with_variant(JSONB(), "postgresql")


def utcnow() -> dt.datetime:
    """Return the current time in UTC, timezone-aware."""
    return dt.datetime.now(dt.UTC)


intpk = Annotated[int, mapped_column(Integer, primary_key=True)]
created_at = Annotated[dt.datetime, mapped_column(UTCDateTime(), default=utcnow, nullable=False)]
str_255 = Annotated[str, mapped_column(String(255))]
str_64 = Annotated[str, mapped_column(String(64))]
text = Annotated[str, mapped_column(Text)]
json_value = Annotated[Any, mapped_column(JSONType)]


class Base(DeclarativeBase):
    """Base class of every model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {
        dt.datetime: UTCDateTime(),
        str: String(255),
    }
