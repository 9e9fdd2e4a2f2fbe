"""Queries compiled once per database connection and run with new values on every request.

Django builds and compiles a queryset's SQL on every execution. For the queries the busiest pages run on every
request (the session's or the API token's user with their roles, a page of the client list) that costs more
CPU than the database takes to answer. A CompiledQuery builds the queryset once per connection with probe
values, keeps its SQL, column converters and the model's columns, and then runs the same SQL with the request's
values, building model instances the way the ORM would (`Model.from_db`, annotations set as attributes) or the
rows `values()` would. With `prepare=True`, on PostgreSQL (crm.pg), the SQL is also prepared once per connection,
so the server plans it once too: only for statements whose best plan does not depend on the values (a user by
key, a page of the plain list); a search's plan does (a common word and a rare one want different plans).

A value may stand inside a LIKE pattern (`name__icontains=value` sends `%value%`): the probe's place in the
pattern is kept and the request's value goes in escaped as Django escapes it.

Each connection keeps its most recently used compiled statements (COMPILED_PER_CONNECTION); one that falls out
is compiled again when next asked for (a prepared one finds its statement still prepared: same SQL, same name)."""

from collections import OrderedDict
from collections.abc import Callable

from django.db import connections, router

COMPILED_PER_CONNECTION = 128


class CompiledQuery:
    def __init__(self, name: str, model, build: Callable, probes: dict, *, prepare: bool = True):
        """`build(**values)` returns the queryset; `probes` maps each value's name to (model field, a probe value
        no other parameter of the query equals, nor contains). The values go in prepared by their field, as the
        ORM does."""
        self.key = name
        self.model, self.build, self.probes, self.prepare = model, build, probes, prepare

    def _compiled(self, connection) -> "_Compiled":
        cached = connection.__dict__.setdefault("_crm_compiled", OrderedDict())
        compiled = cached.get(self.key)
        if compiled is None:
            compiled = _Compiled(self, connection)
            cached[self.key] = compiled
            while len(cached) > COMPILED_PER_CONNECTION:
                cached.popitem(last=False)
        else:
            cached.move_to_end(self.key)
        return compiled

    def rows(self, **values) -> tuple[str, "_Compiled", list[tuple]]:
        alias = router.db_for_read(self.model)
        connection = connections[alias]
        compiled = self._compiled(connection)
        return alias, compiled, compiled.run(connection, values)

    def instances(self, **values) -> list:
        """The model instances of the rows, annotations included, as `list(build(**values))` would give."""
        alias, compiled, rows = self.rows(**values)
        result = []
        for row in rows:
            obj = self.model.from_db(alias, compiled.attnames, row[compiled.model_slice])
            for name, index in compiled.annotations.items():
                setattr(obj, name, row[index])
            result.append(obj)
        return result

    def dicts(self, **values) -> list[dict]:
        """The rows of a `values(...)` queryset, as `list(build(**values))` would give them."""
        _alias, compiled, rows = self.rows(**values)
        names = compiled.value_names
        return [dict(zip(names, row, strict=True)) for row in rows]


class _Compiled:
    def __init__(self, query: CompiledQuery, connection):
        probe_values = {name: value for name, (_field, value) in query.probes.items()}
        queryset = query.build(**probe_values)
        self.compiler = queryset.query.get_compiler(connection=connection)
        self.sql, params = self.compiler.as_sql()
        self.fields = {name: field for name, (field, _value) in query.probes.items()}
        prepared = {name: self.fields[name].get_db_prep_value(v, connection) for name, v in probe_values.items()}
        # per parameter: (probe name, None) for the value itself, or (probe name, (before, after)) for a LIKE
        # pattern around it
        self.order = []
        for param in params:
            names = [name for name, value in prepared.items() if value == param]
            if len(names) == 1:
                self.order.append((names[0], None))
                continue
            around = [
                (name, param.split(value))
                for name, value in prepared.items()
                if isinstance(param, str) and isinstance(value, str) and value in param
            ]
            if len(around) != 1 or len(around[0][1]) != 2 or set("".join(around[0][1])) - {"%"}:
                raise AssertionError(f"{query.key}: parameter {param!r} is not exactly one probe value")
            self.order.append((around[0][0], tuple(around[0][1])))
        self.converters = self.compiler.get_converters([col for col, _, _ in self.compiler.select])
        klass_info = self.compiler.klass_info
        if klass_info is not None:
            fields = klass_info["select_fields"]
            self.model_slice = slice(fields[0], fields[-1] + 1)
            self.attnames = [self.compiler.select[i][0].target.attname for i in fields]
        q = queryset.query
        self.value_names = [*q.extra_select, *q.values_select, *q.annotation_select]
        self.annotations = self.compiler.annotation_col_map
        self.prepare = query.prepare

    def run(self, connection, values: dict) -> list[tuple]:
        params = []
        for name, around in self.order:
            value = self.fields[name].get_db_prep_value(values[name], connection)
            if around is not None:
                value = around[0] + connection.ops.prep_for_like_query(value) + around[1]
            params.append(value)
        sql = self.sql
        # crm.pg: prepared once per server session (a reconnect prepares again), then run by name
        prepare = getattr(connection, "prepared", None) if self.prepare else None
        name = prepare(sql) if prepare is not None else None
        if name is not None:
            sql = f"EXECUTE {name} ({', '.join(['%s'] * len(params))})" if params else f"EXECUTE {name}"
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if self.converters:
            rows = [tuple(row) for row in self.compiler.apply_converters(rows, self.converters)]
        return rows


class CompiledPages:
    """What DRF's CursorPagination pages through, standing in for a queryset of a fixed shape: it records the
    page's ordering and cursor position and runs the page as a CompiledQuery per page shape (direction, `<` or
    `>` or no position, offset, size), so Django does not build and compile the list's statement again on
    each request (nor, with `prepare`, PostgreSQL plan it).

    `build(**values)` gives the queryset for `values` (named in `probes`, as CompiledQuery takes them). It
    answers only what CursorPagination asks (`order_by` on one field, `filter` on that field's `__lt`/`__gt`,
    one slice); anything else is a programming error, not a fallback."""

    def __init__(self, name, model, build, field, probe, *, probes=None, values=None, prepare=True, **state):
        self.name, self.model, self.build, self.field, self.probe = name, model, build, field, probe
        self.probes, self.values, self.prepare = probes or {}, values or {}, prepare
        self.ordering, self.where = state.get("ordering", ()), state.get("where")

    def with_values(self, **values) -> "CompiledPages":
        return self._clone(values=values)

    def _clone(self, **changes) -> "CompiledPages":
        state = {"probes": self.probes, "values": self.values, "prepare": self.prepare}
        state |= {"ordering": self.ordering, "where": self.where} | changes
        return CompiledPages(self.name, self.model, self.build, self.field, self.probe, **state)

    def order_by(self, *ordering) -> "CompiledPages":
        if [o.lstrip("-") for o in ordering] != [self.field]:
            raise ValueError(f"{self.name}: pages are ordered by {self.field} only, not {ordering}")
        return self._clone(ordering=tuple(ordering))

    def filter(self, **kwargs) -> "CompiledPages":
        ((lookup, value),) = kwargs.items()
        op = lookup.removeprefix(f"{self.field}__")
        if op not in ("lt", "gt"):
            raise ValueError(f"{self.name}: a page starts at {self.field}__lt or __gt, not {lookup}")
        return self._clone(where=(op, value))

    def __getitem__(self, bounds: slice) -> list:
        offset, stop = bounds.start or 0, bounds.stop
        op, position = self.where or (None, None)
        key = f"{self.name}:{self.ordering}:{op}:{offset}:{stop}"

        def build(position=None, ordering=self.ordering, op=op, offset=offset, stop=stop, **values):
            qs = self.build(**values).order_by(*ordering)
            if op is not None:
                qs = qs.filter(**{f"{self.field}__{op}": position})
            return qs[offset:stop]

        def make() -> CompiledQuery:
            probes = dict(self.probes)
            if op is not None:
                probes["position"] = (self.model._meta.get_field(self.field), self.probe)
            return CompiledQuery(key, self.model, build, probes, prepare=self.prepare)

        query = for_shape(key, make)
        values = dict(self.values)
        if op is not None:
            values["position"] = position
        return query.instances(**values)


# One CompiledQuery (or CompiledPages) per shape for the process; what each connection compiled from them is
# kept on the connection, most recently used first.
_SHAPES: dict[str, object] = {}


def for_shape(key: str, make: Callable):
    """The process's object for a shape `key` (a CompiledQuery or CompiledPages), made by `make()` the first
    time the shape is asked for."""
    found = _SHAPES.get(key)
    if found is None:
        found = _SHAPES[key] = make()
    return found
