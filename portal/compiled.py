"""Querysets compiled to SQL once per process, run on every request with that request's values.

Building and compiling a queryset costs far more than running it: the inventory pages' one
query for the inventory with its round and region took about 3 ms of Python to build and
compile and 0.2 ms to run. ``CompiledQuery`` builds the queryset once, with a placeholder for
each value that changes between calls (a slug, a user's id), keeps the SQL and the compiler's
description of the columns, and afterwards only executes that SQL with the call's values and
turns the rows into model instances the way Django's ``ModelIterable`` does (``select_related``
objects, annotations and fields left out with ``defer()``/``only()`` included). Prefetches are
not supported (run them on the result; ``prefetched`` below): the queryset must select model
rows.

On PostgreSQL a compiled query is also a server-side prepared statement (``PREPARE`` once per
database connection, then ``EXECUTE``): PostgreSQL then plans it once, where planning the
inventory's query with its joins cost 1.1–1.9 ms of the server's CPU on every request against
0.2 ms to run it. The first call on a connection sends ``PREPARE …; EXECUTE …`` in one round
trip. A prepared statement survives a rollback, and a call that failed may have prepared it or
not: the next call then prepares it again under a new name. ``PREPARED_STATEMENTS = False`` (for
a pooler in transaction mode, such as PgBouncer's, where a connection's prepared statements are
not its own) turns this off.

``CompiledUpdate`` does the same for an ``update()`` (a reminder claimed and marked sent, once
per row of a batch of thousands): the statement the ORM would write, compiled once, and
prepared on PostgreSQL like a query.

The SQL never depends on the values (they are parameters), so a compiled query is as correct
as the queryset it came from; ``portal/tests/test_compiled.py`` compares the two.
"""

import datetime
import itertools
import threading
from collections.abc import Callable
from typing import cast

from django.conf import settings
from django.db import connections
from django.db.models import QuerySet, sql
from django.db.models.query import get_related_populators  # type: ignore[attr-defined]

_counter = itertools.count(1)
_statements = itertools.count(1)


def _numbered(statement: str) -> tuple[str, int]:
    """Django's SQL with its ``%s`` placeholders numbered ``$1``, ``$2``, … for ``PREPARE`` (a
    literal ``%`` is ``%%`` in it and stays so: the text is still formatted with parameters)."""
    parts, count, position = [], 0, 0
    while True:
        found = statement.find("%", position)
        if found < 0:
            parts.append(statement[position:])
            return "".join(parts), count
        following = statement[found + 1 : found + 2]
        if following == "s":
            count += 1
            parts.append(f"{statement[position:found]}${count}")
        elif following == "%":
            parts.append(statement[position : found + 2])
        else:
            raise ValueError(f"CompiledQuery: a bare % in the SQL: {statement!r}")
        position = found + 2


class _Prepared:
    """A query's SQL as a prepared statement of each PostgreSQL connection that has run it."""

    def __init__(self, statement: str, label: str):
        self.body, self.count = _numbered(statement)
        self.arguments = f"({', '.join(['%s'] * self.count)})" if self.count else ""
        # What an EXECUTE reads, for whoever reads the log (or counts a table's queries).
        self.arguments += f" /* {label.replace('*/', '')} */"

    def execute(self, connection, cursor, params) -> None:
        """Run the statement with ``params`` on ``cursor`` (of ``connection``, connected)."""
        raw = connection.connection
        known = connection.__dict__.get("_portal_prepared")
        if known is None or known[0] is not raw:
            known = connection.__dict__["_portal_prepared"] = (raw, {})
        names = known[1]
        name = names.get(self)
        if name is not None:
            cursor.execute(f"EXECUTE {name}{self.arguments}", params)
            return
        # A new name each time: a failed call may have left an earlier one prepared.
        name = f"portal_compiled_{next(_statements)}"
        cursor.execute(f"PREPARE {name} AS {self.body}; EXECUTE {name}{self.arguments}", params)
        names[self] = name


def _execute(db: str, prepared: "_Prepared | None", statement: str, params):
    """A cursor of ``db`` that has run ``statement`` with ``params`` (prepared on PostgreSQL)."""
    connection = connections[db]
    cursor = connection.cursor()
    try:
        if prepared is not None and connection.vendor == "postgresql" and _prepares():
            prepared.execute(connection, cursor, params)
        else:
            cursor.execute(statement, params)
    except BaseException:
        cursor.close()
        raise
    return connection, cursor


def _prepares() -> bool:
    return getattr(settings, "PREPARED_STATEMENTS", True)


def _placeholders(kinds: dict[str, type], *, allowed: tuple[type, ...]) -> dict:
    """Values no real call passes (and no literal in a query is): found again in the params."""
    serial = next(_counter)
    values: dict[str, object] = {}
    for n, (name, kind) in enumerate(kinds.items()):
        if kind not in allowed:
            names = " or ".join(k.__name__ for k in allowed)
            raise TypeError(f"{name} must be {names}, not {kind!r}")
        if kind is int:
            # Within a 32-bit integer column's range: Django compiles a lookup of a value out of
            # the column's range to no query at all (EmptyResultSet).
            values[name] = -(2**31) + serial * 64 + n
        elif kind is str:
            values[name] = f"compiled-query-placeholder-{serial}-{n}-{name}"
        else:  # an aware moment in 1901, its microseconds unique to this value
            values[name] = datetime.datetime(
                1901, 1, 1, microsecond=(serial * 100 + n) % 10**6, tzinfo=datetime.UTC
            )
    return values


def _checked(kinds: dict[str, type], values: dict, what: str) -> None:
    if set(values) != set(kinds):
        raise TypeError(f"{what} needs exactly {sorted(kinds)}")
    for name, kind in kinds.items():
        if type(values[name]) is not kind:
            raise TypeError(f"{what}: {name} must be {kind.__name__}")
        if kind is datetime.datetime and values[name].tzinfo is None:
            raise TypeError(f"{what}: {name} must be an aware datetime")


class CompiledQuery:
    """``build(**values)`` compiled once; ``CompiledQuery.rows(**values)`` runs it.

    ``values`` names each value the queryset depends on and its type (``int`` or ``str``), e.g.
    ``CompiledQuery(lambda user_id, slug: …, user_id=int, slug=str)``.
    """

    def __init__(self, build: Callable[..., QuerySet], **kinds: type):
        self._build, self._kinds = build, kinds
        self._lock = threading.Lock()
        self._compiled: tuple | None = None

    def _placeholders(self) -> dict:
        return _placeholders(self._kinds, allowed=(int, str))

    def _compile(self) -> tuple:
        placeholders = self._placeholders()
        queryset = self._build(**placeholders)
        if getattr(queryset, "_prefetch_related_lookups", ()) or getattr(
            queryset, "_known_related_objects", {}
        ):
            raise ValueError("CompiledQuery does not prefetch: run prefetches on the result")
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        slots = {}
        by_value = {(type(v), v): name for name, v in placeholders.items()}
        for position, param in enumerate(params):
            name = by_value.get((type(param), param))
            if name is not None:
                slots[position] = name
            elif isinstance(param, str) and "compiled-query-placeholder-" in param:
                raise ValueError(f"CompiledQuery: a value is changed inside the query: {param!r}")
        missing = set(placeholders) - set(slots.values())
        if missing:
            raise ValueError(f"CompiledQuery: the query does not use {sorted(missing)}")
        select, klass_info = compiler.select, compiler.klass_info
        select_fields = klass_info["select_fields"]
        start, end = select_fields[0], select_fields[-1] + 1
        init_list = [column[0].target.attname for column in select[start:end]]
        columns = [column[0] for column in select[: compiler.col_count]]
        converters = compiler.get_converters(columns)
        return (
            queryset.db,
            sql,
            tuple(params),
            slots,
            klass_info,
            select,
            (start, end),
            init_list,
            converters,
            tuple(compiler.annotation_col_map.items()),
            _Prepared(sql, connections[queryset.db].ops.quote_name(queryset.model._meta.db_table)),
        )

    def rows(self, **values) -> list:
        """The model instances the queryset built with ``values`` would give, in its order."""
        if self._compiled is None:
            with self._lock:
                if self._compiled is None:
                    self._compiled = self._compile()
        (db, sql, params, slots, klass_info, select, (start, end), init_list, converters,
         annotations, prepared) = self._compiled  # fmt: skip
        _checked(self._kinds, values, "CompiledQuery")
        call_params = [
            values[slots[position]] if position in slots else param
            for position, param in enumerate(params)
        ]
        connection, cursor = _execute(db, prepared, sql, call_params)
        with cursor:
            fetched = cursor.fetchall()
        model = klass_info["model"]
        populators = get_related_populators(klass_info, select, db)
        found = []
        for row in fetched:
            if converters:
                row = list(row)
                for position, (functions, expression) in converters.items():
                    value = row[position]
                    for function in functions:
                        value = function(value, expression, connection)
                    row[position] = value
            obj = model.from_db(db, init_list, row[start:end])
            for populator in populators:
                populator.populate(row, obj)
            for name, position in annotations:
                setattr(obj, name, row[position])
            found.append(obj)
        return found

    def first(self, **values):
        """The first row, or ``None``."""
        found = self.rows(**values)
        return found[0] if found else None


class CompiledUpdate:
    """An UPDATE of model rows compiled once: ``build(**values)`` returns the queryset and the
    changes its ``update()`` would write; ``run(**values)`` executes that statement with the
    call's values and returns the number of rows changed, as ``update()`` does.

    E.g. ``CompiledUpdate(lambda pk, now: (Row.objects.filter(pk=pk), {"seen_at": now}),
    pk=int, now=datetime.datetime)``. Values are ``int``, ``str`` or aware ``datetime``;
    expressions such as ``F("attempts") + 1`` are compiled with the rest. Like ``update()``,
    it sends no signals and calls no ``save()``.
    """

    def __init__(self, build: Callable[..., tuple[QuerySet, dict]], **kinds: type):
        self._build, self._kinds = build, kinds
        self._lock = threading.Lock()
        self._compiled: tuple | None = None

    def _adapter(self, kind: type, connection) -> Callable:
        if kind is datetime.datetime:  # as the field adapts it (SQLite: text in UTC)
            return connection.ops.adapt_datetimefield_value
        return lambda value: value

    def _compile(self) -> tuple:
        placeholders = _placeholders(self._kinds, allowed=(int, str, datetime.datetime))
        queryset, changes = self._build(**placeholders)
        db = queryset.db
        connection = connections[db]
        query = cast(sql.UpdateQuery, queryset.query.chain(sql.UpdateQuery))
        query.add_update_values(changes)
        query.annotations = {}
        if query.related_updates:
            raise ValueError("CompiledUpdate changes the rows of one table only")
        statement, params = query.get_compiler(db).as_sql()
        adapters = {name: self._adapter(kind, connection) for name, kind in self._kinds.items()}
        by_value = {}
        for name, value in placeholders.items():
            adapted = adapters[name](value)
            by_value[(type(adapted), adapted)] = name
        slots = {}
        for position, param in enumerate(params):
            name = by_value.get((type(param), param))
            if name is not None:
                slots[position] = name
            elif isinstance(param, str) and "compiled-query-placeholder-" in param:
                raise ValueError(f"CompiledUpdate: a value is changed inside it: {param!r}")
        missing = set(placeholders) - set(slots.values())
        if missing:
            raise ValueError(f"CompiledUpdate: the statement does not use {sorted(missing)}")
        label = connection.ops.quote_name(queryset.model._meta.db_table)
        return db, statement, tuple(params), slots, adapters, _Prepared(statement, label)

    def run(self, **values) -> int:
        """Run the UPDATE with ``values``; the number of rows it changed."""
        if self._compiled is None:
            with self._lock:
                if self._compiled is None:
                    self._compiled = self._compile()
        db, statement, params, slots, adapters, prepared = self._compiled
        _checked(self._kinds, values, "CompiledUpdate")
        call_params = [
            adapters[slots[position]](values[slots[position]]) if position in slots else param
            for position, param in enumerate(params)
        ]
        _connection, cursor = _execute(db, prepared, statement, call_params)
        with cursor:
            return cursor.rowcount


def prefetched(instance, name: str, objects: list) -> None:
    """Give ``instance`` the related objects ``name`` (a reverse foreign key or many-to-many
    manager) as ``prefetch_related(name)`` would: ``instance.<name>.all()`` then costs no query.
    The caller sets each object's own link back to ``instance`` if it is read."""
    queryset = getattr(instance, name).all()
    queryset._result_cache = list(objects)
    queryset._prefetch_done = True
    if not hasattr(instance, "_prefetched_objects_cache"):
        instance._prefetched_objects_cache = {}
    instance._prefetched_objects_cache[name] = queryset
