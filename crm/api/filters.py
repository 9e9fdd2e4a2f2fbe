import django_filters


class SyncFilterSet(django_filters.FilterSet):
    """Base for list filters: `updated_since` lets the ERP fetch only what changed since its last sync."""

    updated_since = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
