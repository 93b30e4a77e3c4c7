"""Many rows in one statement: the rows sent as a parameter or two and read back as a table.

Sending 100,000 rows as 100,000 parameter sets costs a round trip (or a driver loop) per row;
sending them whole lets the database unpack them in C. Each dialect gets the form it reads
fastest: SQLite one JSON array (``json_each``), PostgreSQL one array per column (``unnest``,
which asyncpg sends in binary and whose length the planner sees, so big chunks get hash
joins). :class:`Rowset` hides the difference so repositories write one query for both.
Results come back the same way: one aggregated JSON value instead of a result row per row.

Statements built on a rowset take the rows at execution (``rowset.bind(rows)``), so a
repository builds each statement once per dialect and reuses it chunk after chunk.
"""

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    String,
    Text,
    bindparam,
    cast,
    func,
    literal_column,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.type_api import TypeEngine

Row = Sequence[Any]


class Rowset:
    """A table of rows given at execution time.

    ``columns`` name and type each position of a row; ``index`` is the row's 0-based
    position, so results can be mapped back to their input rows.
    """

    def __init__(
        self, dialect: str, name: str, columns: Sequence[tuple[str, TypeEngine[Any]]]
    ) -> None:
        self.name = name
        self.postgresql = dialect == "postgresql"
        self._names = [column for column, _ in columns]
        self._columns: dict[str, ColumnElement[Any]] = {}
        table: FromClause
        if self.postgresql:
            arrays = [
                bindparam(f"{name}_{column}", type_=ARRAY(type_)) for column, type_ in columns
            ]
            table = (
                func.unnest(*arrays)
                .table_valued(*self._names, with_ordinality="ordinality")
                .render_derived(name=name)
            )
            self.index: ColumnElement[int] = table.c.ordinality - literal_column("1")
            self._columns = {column: table.c[column] for column in self._names}
        else:
            payload = bindparam(name, type_=String())
            table = func.json_each(payload).table_valued("key", "value").alias(name)
            self.index = table.c.key
            self._columns = {
                column: cast(table.c.value.op("->>")(literal_column(str(position))), type_)
                for position, (column, type_) in enumerate(columns)
            }
        self.table = table

    def bind(self, rows: Sequence[Row]) -> dict[str, Any]:
        """The execution parameters that carry ``rows``."""
        if self.postgresql:
            return {
                f"{self.name}_{column}": [row[position] for row in rows]
                for position, column in enumerate(self._names)
            }
        return {self.name: json.dumps(rows, separators=(",", ":"))}

    def column(self, name: str) -> ColumnElement[Any]:
        """The rows' field ``name``, typed."""
        return self._columns[name]


def json_rows(
    dialect: str, *values: ColumnElement[Any] | InstrumentedAttribute[Any]
) -> ColumnElement[Any]:
    """Aggregate ``values`` of every result row into one JSON array of arrays, as text."""
    if dialect == "postgresql":
        aggregated = cast(func.json_agg(func.json_build_array(*values)), Text)
        return func.coalesce(aggregated, literal_column("'[]'"))
    return func.json_group_array(func.json_array(*values))


def decode_rows(value: str | None) -> list[list[Any]]:
    """The result of :func:`json_rows`."""
    parsed: list[list[Any]] = json.loads(value) if value else []
    return parsed
