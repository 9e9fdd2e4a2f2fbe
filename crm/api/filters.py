import django_filters
from django import forms

MAX_ID = 2**63 - 1  # the largest id a BigAutoField holds


class IdFilter(django_filters.NumberFilter):
    """A filter on a row's id (a foreign key): a whole number from 1 to MAX_ID, else 400. A NumberFilter took
    `1.5` or `-1e142` and sent it to the database, which failed (an integer overflow) with a 500."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


class SyncFilterSet(django_filters.FilterSet):
    """Base for list filters: `updated_since` lets the ERP fetch only what changed since its last sync."""

    updated_since = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
