from datetime import UTC

import django_filters
from django import forms
from django.utils.translation import gettext
from django_filters.fields import IsoDateTimeField

MAX_ID = 2**63 - 1  # the largest id a BigAutoField holds


class IdFilter(django_filters.NumberFilter):
    """A filter on a row's id (a foreign key): a whole number from 1 to MAX_ID, else 400. A NumberFilter took
    `1.5` or `-1e142` and sent it to the database, which failed (an integer overflow) with a 500."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class UtcIsoDateTimeField(IsoDateTimeField):
    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        try:
            return value.astimezone(UTC)
        except OverflowError:
            raise forms.ValidationError(gettext("Enter a date and time between the years 1 and 9999."), code="invalid")


class UtcDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 moment, sent to the database in UTC. Python accepts UTC offsets up to 24 hours, PostgreSQL only
    up to 16: `...T12:52:47-18:58` reached the database as written and failed there with a 500."""

    field_class = UtcIsoDateTimeField


class SyncFilterSet(django_filters.FilterSet):
    """Base for list filters: `updated_since` lets the ERP fetch only what changed since its last sync."""

    updated_since = UtcDateTimeFilter(field_name="updated_at", lookup_expr="gte")


class AppendOnlyFilterSet(django_filters.FilterSet):
    """Base for lists of rows that never change once written (payments, refunds, comments, goodwill gestures,
    weights): what changed since a moment is what was written since then, so `updated_since` reads
    `created_at`."""

    updated_since = UtcDateTimeFilter(field_name="created_at", lookup_expr="gte")


def since_filterset(model, field: str, base=django_filters.FilterSet):
    """The FilterSet of a list whose rows carry their change moment in another column than `updated_at` (an
    assignment's `assigned_at`, a snapshot's `generated_at`): `updated_since` filters on that column. `base` may
    be a list's own FilterSet, whose filters are kept."""
    meta = type(
        "Meta",
        (getattr(base, "Meta", object),),
        {"model": model, "fields": getattr(getattr(base, "Meta", None), "fields", [])},
    )
    attrs = {"Meta": meta, "updated_since": UtcDateTimeFilter(field_name=field, lookup_expr="gte")}
    return type(f"{model.__name__}SinceFilter", (base,), attrs)
