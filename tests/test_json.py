"""JSON written to API clients and read back from the database's JSON columns (orjson):
the same values the standard library would give, whatever they are."""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import json
from typing import Any

import pytest
from flask import Flask, jsonify
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import JSON, Column, Integer, MetaData, Table, insert, select

from ppp_assess.models.database import Database, loads_json

#: Any JSON value, with integers well beyond 64 bits among them.
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.integers(min_value=2**63 - 9)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=12)


@given(JSON_VALUES)
def test_a_stored_value_is_read_back_as_the_standard_library_reads_it(value: Any) -> None:
    text = json.dumps(value)
    expected = json.loads(text)
    assert loads_json(text) == expected
    assert loads_json(text.encode()) == expected
    assert loads_json(memoryview(text.encode())) == expected


@pytest.mark.parametrize("text", ["123456789012345678901234567890", "[18446744073709551616]",
                                  '{"a": -9223372036854775809}'])
def test_an_integer_beyond_64_bits_comes_back_exactly(text: str) -> None:
    value = loads_json(text)
    assert value == json.loads(text)
    assert type(value) is type(json.loads(text))
    assert "." not in json.dumps(value)


def test_what_is_not_text_is_refused_as_the_standard_library_refuses_it() -> None:
    # SQLite hands over a number stored in a JSON column as a number: SQLAlchemy then
    # keeps it, on the TypeError.
    with pytest.raises(TypeError):
        loads_json(3.5)  # type: ignore[arg-type]


def test_both_databases_read_json_columns_with_it(scratch_database_url: str) -> None:
    database = Database(scratch_database_url, audit_key=b"test")
    table = Table("json_values", MetaData(), Column("id", Integer, primary_key=True),
                  Column("value", JSON))
    values = [{"a": [1, "é", None]}, 2**70, "text", 3.5, [True, False]]
    try:
        with database.transaction() as session:
            table.create(session.connection())
            session.execute(insert(table), [{"id": number, "value": value}
                                            for number, value in enumerate(values)])
        for engine in database.engines:
            assert engine.dialect._json_deserializer is loads_json
            with engine.connect() as connection:
                stored = connection.execute(select(table.c.value).order_by(table.c.id))
                assert [row[0] for row in stored] == values
    finally:
        database.dispose()


@dataclasses.dataclass
class _Point:
    x: int
    label: str


def test_a_response_is_the_json_the_standard_library_wrote(app: Flask) -> None:
    payload = {"b": [1, 2.5, None, True], "a": {"é": "Ω"}, "n": {3: "int key"},
               "when": dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
               "day": dt.date(2026, 1, 2), "point": _Point(1, "x"),
               "amount": decimal.Decimal("1.10")}
    with app.test_request_context():
        body = jsonify(payload).get_data()
        expected = json.dumps(payload, default=app.json.default, sort_keys=True,
                              separators=(",", ":"))
    assert json.loads(body) == json.loads(expected)
    # Keys in order, dates as Flask writes them, characters as themselves.
    assert body.index(b'"a"') < body.index(b'"amount"') < body.index(b'"b"')
    assert b'"Fri, 02 Jan 2026 03:04:05 GMT"' in body
    assert "Ω".encode() in body
    assert body.endswith(b"\n")


def test_a_response_orjson_cannot_write_is_written_all_the_same(app: Flask) -> None:
    with app.test_request_context():
        body = jsonify({"big": 2**70, "list": [2**64]}).get_data()
    assert json.loads(body) == {"big": 2**70, "list": [2**64]}
