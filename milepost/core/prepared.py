"""Read queries whose SQL is built once per process, then run with each call's values.

Building a queryset and compiling it to SQL costs the ORM about a millisecond per statement,
several times what SQLite or PostgreSQL then take to answer it; the agency dashboard runs a dozen
such statements on every visit. A :class:`Prepared` query is built by its function once per thread
and database, with stand-in values for its parameters, and every call runs that same SQL with
the real values in their places. The rows are what ``QuerySet.values()`` would give (the same
database converters run on them).

Only what can only be a query parameter may vary: an ``int``, a ``date`` or a ``datetime``
compared with a column. Anything the build function derives from a value (the first of the
month of a date, a list's length) is a parameter of its own, or the SQL would be wrong for the
next call; :func:`prepare` refuses a build whose stand-in values do not all reach the SQL as
parameters. Any other keyword (a ``limit``, written into the SQL as a number) shapes the query:
each value of it is compiled once, so it must be one of a few.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import QuerySet

#: The stand-in values, one per parameter, far outside anything the data holds (and not on the
#: first of a month, so that a value derived from one is told apart, see ``_derived``).
_INT_BASE = -7_340_000_001
_YEAR = 1001
_STAND_INS: dict[type, Callable[[int], Any]] = {
    int: lambda i: _INT_BASE - i,
    dt.date: lambda i: dt.date(_YEAR, 3, 17) + dt.timedelta(days=i),
    dt.datetime: lambda i: (
        dt.datetime(_YEAR, 3, 17, 11, 11, 11, tzinfo=dt.UTC) + dt.timedelta(days=i)
    ),
}


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    #: Position in ``params`` → (parameter name, whether the backend adapted the value).
    slots: dict[int, tuple[str, bool]]
    names: tuple[str, ...]
    compiler: Any


class Prepared:
    """A ``values()`` queryset, built by ``build(**values)``, compiled once per thread and
    database. ``kinds`` names each parameter and its type (``int``, ``date`` or ``datetime``)."""

    def __init__(self, build: Callable[..., QuerySet], **kinds: type) -> None:
        unknown = {name: kind for name, kind in kinds.items() if kind not in _STAND_INS}
        if unknown:
            raise TypeError(f"Prepared parameters must be int, date or datetime: {unknown}")
        self.build = build
        self.kinds = kinds
        self._local = threading.local()

    def __call__(self, *, using: str = DEFAULT_DB_ALIAS, **values: Any) -> list[dict[str, Any]]:
        missing = self.kinds.keys() - values.keys()
        if missing:
            raise TypeError(f"the values {sorted(missing)} are missing")
        shape = tuple(sorted((k, v) for k, v in values.items() if k not in self.kinds))
        compiled = self._compiled(using, shape)
        connection = connections[using]
        params = list(compiled.params)
        for position, (name, adapted) in compiled.slots.items():
            params[position] = _adapt(connection, values[name]) if adapted else values[name]
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        names = compiled.names
        return [
            dict(zip(names, row, strict=True))
            for row in compiled.compiler.results_iter(results=[rows])
        ]

    def _compiled(self, using: str, shape: tuple[tuple[str, Any], ...]) -> _Compiled:
        cache = self._local.__dict__
        compiled = cache.get((using, shape))
        if compiled is None:
            compiled = cache[using, shape] = prepare(self.build, self.kinds, using, dict(shape))
        return compiled


def prepare(
    build: Callable[..., QuerySet], kinds: dict[str, type], using: str, shape: dict[str, Any]
) -> _Compiled:
    """Compile ``build`` with stand-in values (and ``shape`` as given), and find where each
    stand-in went."""
    connection = connections[using]
    stand_ins = {name: _STAND_INS[kind](i) for i, (name, kind) in enumerate(kinds.items())}
    queryset = build(**stand_ins, **shape)
    query = queryset.query
    if queryset._fields is None and not query.values_select:
        raise TypeError("a Prepared query must be a values() queryset")
    compiler = query.get_compiler(using=using)
    sql, params = compiler.as_sql()
    slots: dict[int, tuple[str, bool]] = {}
    for position, param in enumerate(params):
        for name, stand_in in stand_ins.items():
            if param == stand_in and type(param) is type(stand_in):
                slots[position] = (name, False)
            elif param == _adapt(connection, stand_in):
                slots[position] = (name, True)
        if position not in slots and _derived(param):
            raise ValueError(
                f"parameter {position} ({param!r}) was derived from a stand-in value: pass it "
                "as a value of its own"
            )
    missing = set(stand_ins) - {name for name, _adapted in slots.values()}
    if missing:
        raise ValueError(f"these values do not reach the SQL as parameters: {sorted(missing)}")
    for stand_in in stand_ins.values():
        if str(stand_in) in sql or str(_adapt(connection, stand_in)) in sql:
            raise ValueError(f"a value was written into the SQL itself: {stand_in!r}")
    if query.selected:
        names = tuple(query.selected)
    else:
        names = (*query.extra_select, *query.values_select, *query.annotation_select)
    return _Compiled(sql, tuple(params), slots, names, compiler)


def _derived(param: Any) -> bool:
    """Whether ``param`` looks computed from a stand-in (it would be frozen into the SQL)."""
    if isinstance(param, bool):
        return False
    if isinstance(param, int):
        return abs(param - _INT_BASE) < 1_000_000
    if isinstance(param, dt.date):
        return param.year == _YEAR
    return isinstance(param, str) and param.startswith(f"{_YEAR}-")


def _adapt(connection: Any, value: Any) -> Any:
    """``value`` as the backend passes it to its driver (SQLite takes dates as text)."""
    if isinstance(value, dt.datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, dt.date):
        return connection.ops.adapt_datefield_value(value)
    return value
