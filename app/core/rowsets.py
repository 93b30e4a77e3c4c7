"""Many rows in one statement: a JSON array sent as a single parameter, read as a table.

Sending 100,000 rows as 100,000 parameter sets costs a round trip (or a driver loop) per row;
sending them as one JSON text lets the database unpack them in C. SQLite reads the array with
``json_each``, PostgreSQL with ``json_array_elements``; the two helpers below hide the
difference so repositories write one query for both. Results come back the same way: one
aggregated JSON value instead of a result row per input row.

Statements built on a rowset take the rows at execution (``rowset.bind(rows)``), so a
repository builds each statement once per dialect and reuses it chunk after chunk.
"""

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    FromClause,
    String,
    Text,
    bindparam,
    cast,
    func,
    literal,
    literal_column,
)
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.type_api import TypeEngine

Row = Sequence[Any]


class JsonRowset:
    """A table of rows unpacked from one JSON parameter.

    ``columns`` name and type each position of a row; ``index`` is the row's 0-based
    position in the array, so results can be mapped back to their input rows.
    """

    def __init__(
        self, dialect: str, name: str, columns: Sequence[tuple[str, TypeEngine[Any]]]
    ) -> None:
        self.name = name
        payload: BindParameter[str] = bindparam(name, type_=String())
        if dialect == "postgresql":
            table = (
                func.json_array_elements(cast(payload, JSON))
                .table_valued("value", with_ordinality="ordinality")
                .alias(name)
            )
            self.index: ColumnElement[int] = table.c.ordinality - literal(1)
        else:
            table = func.json_each(payload).table_valued("key", "value").alias(name)
            self.index = table.c.key
        self.table: FromClause = table
        self._value = table.c.value
        self._columns = {
            column: (position, type_) for position, (column, type_) in enumerate(columns)
        }

    def bind(self, rows: Sequence[Row]) -> dict[str, str]:
        """The execution parameter that carries ``rows``."""
        return {self.name: json.dumps(rows, separators=(",", ":"))}

    def column(self, name: str) -> ColumnElement[Any]:
        """The row's field ``name``, typed (``->>`` yields text on PostgreSQL)."""
        position, type_ = self._columns[name]
        return cast(self._value.op("->>")(literal_column(str(position))), type_)


def json_rows(
    dialect: str, *values: ColumnElement[Any] | InstrumentedAttribute[Any]
) -> ColumnElement[Any]:
    """Aggregate ``values`` of every result row into one JSON array of arrays."""
    if dialect == "postgresql":
        # As text, like SQLite's: decoded once, by decode_rows.
        aggregated = cast(func.json_agg(func.json_build_array(*values)), Text)
        return func.coalesce(aggregated, literal_column("'[]'"))
    return func.json_group_array(func.json_array(*values))


def decode_rows(value: Any) -> list[list[Any]]:
    """The result of :func:`json_rows`, which both drivers hand back as JSON text."""
    parsed: list[list[Any]] = json.loads(value) if value else []
    return parsed
