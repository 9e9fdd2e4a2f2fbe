"""The search box in the top bar: one query, answered by every app that has something to find.

The core never imports an app, so each app registers a provider from its `AppConfig.ready()`:
`search.register(search.Provider(kind="invoices", label=..., roles=(...), find=selectors.invoice_search))`.
A provider answers only for the roles it names (the same roles that may open the pages its hits link to) and
`find(query=, user=, limit=)` returns at most `limit` hits from indexed look-ups (an exact number, a whole
normalised phone or email, a name); one query per kind, whatever the number of hits.
"""

from collections.abc import Callable
from dataclasses import dataclass

from .roles import user_roles

MIN_QUERY_LENGTH = 2
MAX_QUERY_LENGTH = 100
DEFAULT_LIMIT = 5
MAX_LIMIT = 25


@dataclass(frozen=True)
class Hit:
    id: int
    title: str
    detail: str
    url: str


@dataclass(frozen=True)
class Provider:
    kind: str
    label: object  # a (lazy) translated string
    roles: tuple[str, ...]
    find: Callable[..., list[Hit]]
    order: int = 100


_providers: dict[str, Provider] = {}


def register(provider: Provider) -> None:
    """Called from an app's ready(); registering the same kind again replaces it (ready() may run twice)."""
    _providers[provider.kind] = provider


def providers() -> list[Provider]:
    return sorted(_providers.values(), key=lambda p: (p.order, p.kind))


def kinds_for(user) -> list[Provider]:
    roles = user_roles(user)
    return [p for p in providers() if roles & set(p.roles)]


def clean_query(raw: str | None) -> str:
    """Trimmed, inner whitespace collapsed, at most MAX_QUERY_LENGTH characters; NUL characters dropped."""
    return " ".join((raw or "").replace("\x00", "").split())[:MAX_QUERY_LENGTH]


def search(*, user, query: str, limit: int = DEFAULT_LIMIT, kinds: list[str] | None = None) -> list[dict]:
    """Hits grouped by kind, in the providers' order, for the kinds this user's roles may see. A query shorter
    than MIN_QUERY_LENGTH finds nothing (no query is run). Groups without hits are left out."""
    query = clean_query(query)
    if len(query) < MIN_QUERY_LENGTH:
        return []
    limit = max(1, min(int(limit), MAX_LIMIT))
    groups = []
    for provider in kinds_for(user):
        if kinds and provider.kind not in kinds:
            continue
        hits = provider.find(query=query, user=user, limit=limit)
        if hits:
            groups.append({"kind": provider.kind, "label": str(provider.label), "hits": list(hits)[:limit]})
    return groups
