"""What the purchases pages read from a request besides their forms: an id in the query string, the client."""

from django.http import Http404

from clients import selectors as client_selectors


def int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def client_or_404(client_id):
    try:
        return client_selectors.client_get(pk=client_id)
    except Exception:
        raise Http404("No such client.")
