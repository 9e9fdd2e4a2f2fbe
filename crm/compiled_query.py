"""A query compiled once per database connection and run with new values on every request.

Django builds and compiles a queryset's SQL on every execution. For the one or two queries every request runs
(the session's or the API token's user with their roles: a join over four tables) that costs more CPU than the
database takes to answer. A CompiledQuery builds the queryset once per connection with probe values, keeps
its SQL, column converters and the model's columns, and then runs the same SQL with the request's values,
building the model instance the way the ORM would (`Model.from_db`, annotations set as attributes). On
PostgreSQL (crm.pg) the SQL is also prepared once per connection, so the server plans it once too."""

from collections.abc import Callable

from django.db import connections, router


class CompiledQuery:
    def __init__(self, name: str, model, build: Callable, probes: dict):
        """`build(**values)` returns the queryset; `probes` maps each value's name to (model field, a probe value
        no other parameter of the query equals). The values go in prepared by their field, as the ORM does."""
        self.attr = f"_compiled_query_{name}"
        self.model, self.build, self.probes = model, build, probes

    def _compiled(self, connection):
        compiled = getattr(connection, self.attr, None)
        if compiled is None:
            compiled = _Compiled(self, connection)
            setattr(connection, self.attr, compiled)
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


class _Compiled:
    def __init__(self, query: CompiledQuery, connection):
        probe_values = {name: value for name, (_field, value) in query.probes.items()}
        self.compiler = query.build(**probe_values).query.get_compiler(connection=connection)
        self.sql, params = self.compiler.as_sql()
        self.fields = {name: field for name, (field, _value) in query.probes.items()}
        prepared = {name: self.fields[name].get_db_prep_value(v, connection) for name, v in probe_values.items()}
        self.order = []
        for param in params:
            names = [name for name, value in prepared.items() if value == param]
            if len(names) != 1:
                raise AssertionError(f"{query.attr}: parameter {param!r} is not exactly one probe value")
            self.order.append(names[0])
        self.converters = self.compiler.get_converters([col for col, _, _ in self.compiler.select])
        fields = self.compiler.klass_info["select_fields"]
        self.model_slice = slice(fields[0], fields[-1] + 1)
        self.attnames = [self.compiler.select[i][0].target.attname for i in fields]
        self.annotations = self.compiler.annotation_col_map

    def run(self, connection, values: dict) -> list[tuple]:
        params = [self.fields[name].get_db_prep_value(values[name], connection) for name in self.order]
        sql = self.sql
        prepare = getattr(connection, "prepared", None)  # crm.pg: prepared once per connection, planned once
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
    """What DRF's CursorPagination pages through, standing in for a queryset whose shape never changes (a plain
    list: no filter, no search): it records the page's ordering and cursor position and runs the page as a
    CompiledQuery per shape (direction, `<` or `>` or no position, offset, size), so neither Django nor
    PostgreSQL builds or plans the list's statement again on each request.

    It answers only what CursorPagination asks (`order_by` on one field, `filter` on that field's `__lt`/`__gt`,
    one slice); anything else is a programming error, not a fallback."""

    def __init__(self, name: str, model, build: Callable, field: str, probe, ordering: tuple = (), where=None):
        self.name, self.model, self.build, self.field, self.probe = name, model, build, field, probe
        self.ordering, self.where = ordering, where

    def _clone(self, **changes) -> "CompiledPages":
        values = {"ordering": self.ordering, "where": self.where} | changes
        return CompiledPages(self.name, self.model, self.build, self.field, self.probe, **values)

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
        op, value = self.where or (None, None)
        shape = (self.ordering, op, offset, stop)
        query = _PAGE_QUERIES.get((self.name, shape))
        if query is None:
            field = self.model._meta.get_field(self.field)

            def build(position=None, ordering=self.ordering, op=op, offset=offset, stop=stop):
                qs = self.build().order_by(*ordering)
                if op is not None:
                    qs = qs.filter(**{f"{self.field}__{op}": position})
                return qs[offset:stop]

            probes = {"position": (field, self.probe)} if op is not None else {}
            query = CompiledQuery(f"{self.name}_{len(_PAGE_QUERIES)}", self.model, build, probes)
            _PAGE_QUERIES[(self.name, shape)] = query
        return query.instances(position=value) if op is not None else query.instances()


_PAGE_QUERIES: dict[tuple, CompiledQuery] = {}
