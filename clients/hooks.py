"""Extension points of the clients app, filled by higher apps from their AppConfig.ready(). The clients
app never imports them; they contribute here.

- `interest_sources`: callables returning [(code, label)] offered as "interested in" on the first-contact
  form (purchases contributes its product categories).
- `merge_steps`: callables `step(*, survivor, loser) -> {label: count}` run by the client merge, inside its
  transaction, after every row pointing at the loser moved to the survivor (purchases recomputes the
  survivor's account).
- `personal_data_parts`: each higher app that holds data about a client adds a `PersonalDataPart` with
  `export(*, client_ids) -> {section: [row dicts]}` (everything it holds about the person, for the JSON export)
  and `erase(*, erasure) -> {"app.Model": rows changed}` (anonymise it, inside the erasure's transaction),
  and optionally `values(*, client_ids) -> [str]`: more strings that identify the person (contact details it
  stores), so every part scrubs them from free text. `client_ids` is the client and every client merged into
  it (the same person). See clients/services/personal_data.py.
- `kept_on_merge`: relations `(model label, field name)` that the merge leaves pointing at the loser (the
  ledger: a merge must not rewrite a recorded entry). Whoever reads such a relation for a client reads it over
  the client's lineage (clients.selectors.client_lineage_ids / client_lineage_q). Fill with keep_on_merge()."""

import re
from collections.abc import Callable
from dataclasses import dataclass, field

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


@dataclass(frozen=True)
class PersonalDataPart:
    label: str
    export: Callable[..., dict[str, list[dict]]]
    erase: Callable[..., dict[str, int]]
    values: Callable[..., list[str]] | None = None


personal_data_parts: list[PersonalDataPart] = []


def add_personal_data_part(part: PersonalDataPart) -> None:
    if all(p.label != part.label for p in personal_data_parts):
        personal_data_parts.append(part)


ERASED_TEXT = "[erased]"


@dataclass
class Erasure:
    """What an erasure removes: the client ids (the person and everyone merged into them), the name that
    replaces theirs, and the strings that identify them (names, addresses, emails, phones, external ids).
    `scrub` replaces those strings in text (case-insensitively) or in any JSON value, so free text that
    mentions the person keeps its other words."""

    client_ids: list[int]
    placeholder: str
    values: list[str] = field(default_factory=list)

    def __post_init__(self):
        unique = {v.strip() for v in self.values if v and len(v.strip()) >= 3}
        ordered = sorted(unique, key=len, reverse=True)  # "1 High St, Leeds" before "Leeds"
        self._pattern = re.compile("|".join(re.escape(v) for v in ordered), re.IGNORECASE) if ordered else None

    def scrub(self, value):
        if isinstance(value, str):
            return self._pattern.sub(self.placeholder, value) if self._pattern and value else value
        if isinstance(value, dict):
            return {k: self.scrub(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.scrub(v) for v in value]
        return value

    def mentions(self, value) -> bool:
        return self.scrub(value) != value

    def scrub_rows(self, qs, fields: list[str]) -> int:
        """Replace the person's strings in these fields of these rows (text or JSON); returns the rows changed.
        For erase functions: saved with bulk_update, so no history row or signal copies the old text."""
        changed = []
        for row in qs.only("pk", *fields):
            before = [getattr(row, f) for f in fields]
            after = [self.scrub(v) for v in before]
            if after != before:
                for f, v in zip(fields, after, strict=True):
                    setattr(row, f, v)
                changed.append(row)
        if changed:
            qs.model._base_manager.bulk_update(changed, fields, batch_size=500)
        return len(changed)
