"""What the purchases pages read from a request besides their forms: an id in the query string, the client, and the
keyset page of a list (`?before=<id>`)."""

from django.http import Http404
from django.utils.translation import gettext

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
        raise Http404(gettext("No such client."))


def keyset_page(request, qs, size: int) -> tuple[list, str]:
    """The rows of `qs` (ordered newest id first) before `?before=<id>`, at most `size` of them, and the query
    string of the next page ("" on the last one): an indexed `id < x` instead of an OFFSET that grows."""
    before = int_or_none(request.GET.get("before"))
    if before:
        qs = qs.filter(pk__lt=before)
    rows = list(qs[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    params = request.GET.copy()
    params.pop("before", None)
    if rows:
        params["before"] = rows[-1].pk
    return rows, params.urlencode() if more else ""
