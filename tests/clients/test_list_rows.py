"""The client list's rows (clients/templatetags/client_list.py) are the cells the row template wrote: every
value escaped, an unassigned client marked, tags as badges, an accountant's address with its line breaks."""

from django.template.loader import render_to_string

ROW = {
    "id": 7,
    "url": "/clients/7/",
    "name": 'Nord <b>"Paper"</b> & Co',
    "kind_label": "Company",
    "phone": "+442079460000",
    "email": "a&b@example.com",
    "status": "active",
    "status_label": "Active",
    "manager": "",
    "segment": "Print & copy",
    "tags": ["<vip>", "paper"],
    "address": "1 Market St\r\nSpringfield <north>",
    "external_id": None,
}


def _render(rows, billing_only=False):
    ctx = {"clients": rows, "billing_only": billing_only, "page": 1, "query": "", "has_next": False}
    return render_to_string("clients/_list_rows.html", ctx)


def test_staff_row_cells_escaped_with_unassigned_and_tag_badges():
    html = _render([ROW, {**ROW, "id": 8, "url": "/clients/8/", "manager": "Ann O'Neil", "tags": []}])
    assert '<td><a href="/clients/7/">Nord &lt;b&gt;&quot;Paper&quot;&lt;/b&gt; &amp; Co</a></td>' in html
    assert '<td class="nowrap">+442079460000</td><td>a&amp;b@example.com</td>' in html
    assert '<td>Print &amp; copy</td><td><span class="muted">unassigned</span></td>' in html
    assert '<td><span class="badge status-active">Active</span></td>' in html
    assert '<td><span class="badge">&lt;vip&gt;</span> <span class="badge">paper</span> </td>' in html
    assert "<td>Ann O&#x27;Neil</td>" in html
    assert html.count("<tr>") == 3  # the header's and one per client
    assert "No clients match." not in html


def test_billing_row_shows_address_lines_and_external_id_only():
    html = _render([ROW, {**ROW, "external_id": "ERP-1"}], billing_only=True)
    assert "<td>1 Market St<br>Springfield &lt;north&gt;</td><td></td>" in html
    assert "<td>ERP-1</td>" in html
    assert "status-active" not in html and "unassigned" not in html


def test_no_rows():
    assert "No clients match." in _render([])
