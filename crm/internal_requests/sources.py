"""What a higher app plugs in for the requests that stand for its objects (an invoice request is one).

The higher app registers a `Source` from its `AppConfig.ready()`:
- `kind_code`: the request kind its requests are opened under;
- `url(source_id)`: the page of the object, linked from the queue;
- `take(source_id, by)`: what "Take" in the queue does (the invoice claims the invoice, which in turn marks
  the request taken through `services.source_taken`);
- `action_label`: what completing it means ("Issue the invoice"): a sourced request is completed by its app
  (`services.source_completed`), never by the queue's Complete button;
- `reminds_overdue`: the app sends its own overdue reminders, so this module sends only the due-soon one."""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Source:
    name: str
    kind_code: str
    url: Callable[[int], str]
    take: Callable | None = None
    action_label: str = ""
    reminds_overdue: bool = False
    # Where the kind is set up when it is missing (a migration creates it; a flushed test database has not).
    team_code: str = ""
    team_name: str = ""
    kind_name: str = ""
    turnaround_hours: str = "2"


_sources: dict[str, Source] = {}


def register(source: Source) -> None:
    _sources[source.name] = source


def get(name: str) -> Source | None:
    return _sources.get(name) if name else None


def sourced_kind_codes() -> list[str]:
    """Kinds opened only by their app (an invoice is requested on the invoice page, not as a free request)."""
    return [s.kind_code for s in _sources.values()]
