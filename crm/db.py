"""Reads that may go to a PostgreSQL read replica (DATABASE_REPLICA_URL, the "replica" database alias).

Only code that asks for it reads from the replica: reports, exports and analytics wrap their reads in
`replica_reads()` (or decorate a view with `@reads_from_replica`, or stream through `stream_from_replica`).
Everything else, every write, and every read made while the primary is inside a transaction (`atomic`) stays
on the primary: a replica lags behind, and a read that decides a write must see what the transaction sees.
Without a replica configured all of this is a no-op.

Raw SQL (`connection.cursor()`) bypasses routers: read-only report SQL takes its connection from
`read_connection()`, which follows the same rule."""

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import wraps
from typing import TypeVar

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper

REPLICA = "replica"
T = TypeVar("T")

_replica_wanted: ContextVar[bool] = ContextVar("crm_replica_reads", default=False)


def replica_configured() -> bool:
    return REPLICA in connections.settings


def read_alias() -> str:
    """The database alias a read made here and now goes to."""
    if (
        _replica_wanted.get()
        and replica_configured()
        # a read inside a write transaction must see that transaction's own writes, and decides what it writes
        and not connections[DEFAULT_DB_ALIAS].in_atomic_block
    ):
        return REPLICA
    return DEFAULT_DB_ALIAS


def read_connection() -> BaseDatabaseWrapper:
    """The connection for a read-only raw SQL statement made here and now (see `read_alias`)."""
    return connections[read_alias()]


@contextmanager
def replica_reads() -> Iterator[None]:
    """Reads inside this block may go to the replica. Nestable; per thread and per async task (a ContextVar)."""
    token = _replica_wanted.set(True)
    try:
        yield
    finally:
        _replica_wanted.reset(token)


def reads_from_replica(view: Callable) -> Callable:
    """A read-only view (or view method) whose reads may go to the replica. Put it below the permission
    decorators: who the user is and what they may do is read from the primary (a new session or a role
    just granted may not have reached the replica yet). A streamed body is read after the view returns:
    wrap its iterator in `stream_from_replica` as well."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        with replica_reads():
            return view(*args, **kwargs)

    return wrapped


def stream_from_replica(iterable: Iterable[T]) -> Iterator[T]:
    """`iterable` (a streamed response body) produced with its reads on the replica. The context is entered
    around each step, never held across a `yield`: between chunks the server's own code must not read from the
    replica, and a context entered in one step and left in another would break under ASGI."""
    iterator = iter(iterable)
    try:
        while True:
            with replica_reads():
                try:
                    item = next(iterator)
                except StopIteration:
                    return
            yield item
    finally:
        close = getattr(iterator, "close", None)
        if close is not None:
            close()  # a download cut short: the generator's cursor is released now, not whenever it is collected


class ReplicaRouter:
    """DATABASE_ROUTERS entry: reads as `read_alias()` says, writes and migrations on the primary."""

    def db_for_read(self, model, **hints) -> str:
        return read_alias()

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints) -> bool:
        return True  # the replica is a copy of the primary: a row read from either may point at one from the other

    def allow_migrate(self, db, app_label, model_name=None, **hints) -> bool:
        return db == DEFAULT_DB_ALIAS
