"""Extension points of the clients app, filled by higher apps from their AppConfig.ready(). The clients
app never imports them; they contribute here.

- `interest_sources`: callables returning [(code, label)] offered as "interested in" on the first-contact
  form (purchases contributes its product categories).
- `merge_steps`: callables `step(*, survivor, loser) -> {label: count}` run by the client merge, inside its
  transaction, after every row pointing at the loser moved to the survivor (purchases recomputes the
  survivor's account).
- `kept_on_merge`: relations `(model label, field name)` that the merge leaves pointing at the loser (the
  ledger: a merge must not rewrite a recorded entry). Whoever reads such a relation for a client reads it over
  the client's lineage (clients.selectors.client_lineage_ids / client_lineage_q). Fill with keep_on_merge()."""

from collections.abc import Callable

interest_sources: list[Callable[[], list[tuple[str, str]]]] = []
merge_steps: list[Callable[..., dict]] = []
kept_on_merge: set[tuple[str, str]] = set()


def add_interest_source(source: Callable[[], list[tuple[str, str]]]) -> None:
    if source not in interest_sources:
        interest_sources.append(source)


def add_merge_step(step: Callable[..., dict]) -> None:
    if step not in merge_steps:
        merge_steps.append(step)


def keep_on_merge(model, field_name: str) -> None:
    """The clients merge leaves `model.field_name` (a ForeignKey to Client) on the loser instead of moving it."""
    kept_on_merge.add((model._meta.label, field_name))


def interest_choices() -> list[tuple[str, str]]:
    return [choice for source in interest_sources for choice in source()]
