"""The price overrides page (administrators): sale lines priced below the catalogue price beyond the allowance,
with who and why, filterable by manager, product and date range."""

from django.views.decorators.http import require_GET

from crm.htmx import render_partial
from crm.roles import Role
from crm.views import role_required

from .. import forms, selectors
from ..services.price_overrides import allowance_percent
from .params import keyset_page

PAGE_SIZE = 50


@role_required(Role.ADMINISTRATOR)
@require_GET
def price_overrides(request):
    form = forms.PriceOverrideFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = selectors.price_override_list(
        by=filters.get("by"),
        product=filters.get("product"),
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
    )
    rows, next_query = keyset_page(request, qs, PAGE_SIZE)
    ctx = {
        "overrides": rows,
        "form": form,
        "allowance": allowance_percent(),
        "next_query": next_query,
    }
    return render_partial(request, "purchases/price_overrides.html", "purchases/_price_override_rows.html", ctx)
