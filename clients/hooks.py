"""Extension points of the clients app, filled by higher apps from their AppConfig.ready(). The clients
app never imports them; they contribute here.

- `interest_sources`: callables returning [(code, label)] offered as "interested in" on the first-contact
  form (purchases contributes its product categories).
- `merge_steps`: callables `step(*, survivor, loser) -> {label: count}` run by the client merge, inside its
  transaction, after every row pointing at the loser moved to the survivor (purchases recomputes the
  survivor's account)."""

from collections.abc import Callable

interest_sources: list[Callable[[], list[tuple[str, str]]]] = []
merge_steps: list[Callable[..., dict]] = []


def add_interest_source(source: Callable[[], list[tuple[str, str]]]) -> None:
    if source not in interest_sources:
        interest_sources.append(source)


def add_merge_step(step: Callable[..., dict]) -> None:
    if step not in merge_steps:
        merge_steps.append(step)


def interest_choices() -> list[tuple[str, str]]:
    return [choice for source in interest_sources for choice in source()]
