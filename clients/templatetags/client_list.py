"""The client list's rows, written in one pass.

The list page and its search-as-you-type fragment are the most requested pages; 25 rows of ~12 cells each
cost about 400 template variable lookups, a third of the page's time. This writes the same cells (every value
escaped as the template would) straight from the plain rows of `clients.selectors.list_rows`."""

from html import escape

from django import template
from django.utils.safestring import mark_safe
from django.utils.text import normalize_newlines
from django.utils.translation import gettext

register = template.Library()


def _e(value) -> str:
    return escape(str(value), quote=True)


@register.simple_tag
def client_rows(rows, billing_only):
    """<tr>…</tr> per row, the cells of clients/_list_rows.html's table."""
    unassigned = f'<span class="muted">{_e(gettext("unassigned"))}</span>'
    out = []
    for c in rows:
        cells = [
            f'<td><a href="{_e(c["url"])}">{_e(c["name"])}</a></td>',
            f"<td>{_e(c['kind_label'])}</td>",
            f'<td class="nowrap">{_e(c["phone"])}</td>',
            f"<td>{_e(c['email'])}</td>",
        ]
        if billing_only:
            address = _e(normalize_newlines(c["address"])).replace("\n", "<br>")
            cells.append(f"<td>{address}</td><td>{_e(c['external_id'] or '')}</td>")
        else:
            manager = _e(c["manager"]) if c["manager"] else unassigned
            tags = "".join(f'<span class="badge">{_e(t)}</span> ' for t in c["tags"])
            cells.append(
                f"<td>{_e(c['segment'])}</td><td>{manager}</td>"
                f'<td><span class="badge status-{_e(c["status"])}">{_e(c["status_label"])}</span></td>'
                f"<td>{tags}</td>"
            )
        out.append("<tr>" + "".join(cells) + "</tr>")
    return mark_safe("\n".join(out))
