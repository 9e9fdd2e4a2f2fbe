"""One way to make a write idempotent by a key the caller supplies (`external_id`: the ERP posting a purchase
again after a timeout gets the first result, not a second entry)."""

from collections.abc import Callable
from typing import TypeVar

from django.db import IntegrityError, transaction

T = TypeVar("T")


class KeyTaken(Exception):
    """Raised by a write that finds, once it holds its locks, that a concurrent request took its key first."""


def write_once(
    *,
    key: str | None,
    find: Callable[[str], T | None],
    write: Callable[[], T],
    same_request: Callable[[T], None] = lambda existing: None,
) -> tuple[T, bool]:
    """Run inside the caller's transaction. With no key: `(write(), True)`. With a key already seen: the object
    written the first time, `(existing, False)`, after `same_request(existing)` had its say (it raises when the
    key was used for something else). Otherwise `(write(), True)`; when a concurrent request with the same key
    wins the race (the unique key refuses our row, or `write` raises KeyTaken once it holds its locks), the
    savepoint around `write` undoes our work and the winner's object is answered the same way."""
    if not key:
        return write(), True
    existing = find(key)
    if existing is None:
        try:
            with transaction.atomic():
                return write(), True
        except (IntegrityError, KeyTaken):
            existing = find(key)
            if existing is None:
                raise
    same_request(existing)
    return existing, False
