"""Survey kinds. The clients app registers "consultation" itself; higher apps register theirs (purchases:
"purchase") from their AppConfig.ready(). The sender asks each kind for the occasions in a time window."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True)
class Occasion:
    """Something a client may be asked about."""

    object_id: int
    client_id: int
    occurred_at: datetime
    manager_id: int | None = None  # who served the client (defaults to the client's manager)
    product_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class SurveyKind:
    code: str
    label: str  # "After a purchase" (lazy translated)
    question: str  # "How satisfied are you with your purchase?" (lazy translated)
    # occasions(start, end): the occasions of this kind that happened in [start, end), oldest first
    occasions: Callable[[datetime, datetime], Iterable[Occasion]] = field(compare=False)


_kinds: dict[str, SurveyKind] = {}


def register_kind(kind: SurveyKind) -> None:
    _kinds[kind.code] = kind


def kinds() -> list[SurveyKind]:
    return list(_kinds.values())


def kind_get(code: str) -> SurveyKind | None:
    return _kinds.get(code)
