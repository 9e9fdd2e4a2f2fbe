"""Ledger pages: recording a sale (with its live preview), the ledger list and an entry, returns, discount
corrections, and the purchases tab of the client card."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clients import selectors as client_selectors
from crm.exceptions import ApplicationError
from crm.htmx import render_partial
from crm.money import ZERO
from crm.roles import Role, has_role, is_admin, is_sales_manager
from crm.views import role_required

from .. import forms, selectors, services
from ..forms import first_error
from ..models import Purchase
from .params import client_or_404, int_or_none, keyset_page

SM, ACC, ADM = Role.SALES_MANAGER, Role.ACCOUNTANT, Role.ADMINISTRATOR
ALL = (SM, ACC, ADM)
PAGE_SIZE = 50


def _record_context(request, client, lines, error=""):
    return {
        "client": client,
        "lines": lines or [{"product": "", "quantity": "1", "unit_price": "", "reason": ""}],
        "products": selectors.product_list(active_only=True),
        "error": error,
        "can_override": is_admin(request.user),
        "clients": _client_search(request.GET.get("q", "")) if client is None else [],
        "q": request.GET.get("q", ""),
    }


def _mark_line_errors(lines: list[dict], exc: ApplicationError) -> None:
    """Per-line messages of a refused sale (e.g. a price below the catalogue with no reason) shown on their line."""
    for line, errors in zip(lines, exc.extra.get("lines") or [], strict=False):
        if errors.get("unit_price"):
            line["price_error"] = errors["unit_price"][0]


def _client_search(q: str):
    if not q.strip():
        return []
    return list(client_selectors.client_list(search=q)[:15])


@role_required(SM, ADM)
@require_http_methods(["GET", "POST"])
def record(request):
    client_id = int_or_none(request.POST.get("client") or request.GET.get("client"))
    client = client_or_404(client_id) if client_id else None
    if request.method == "POST" and client is not None:
        form = forms.RecordForm(request.POST)
        if not form.is_valid():
            return render(
                request, "purchases/record.html", _record_context(request, client, form.lines, first_error(form))
            )
        try:
            purchase, _ = services.purchase_record(
                client=client,
                lines=form.cleaned_data["lines"],
                by=request.user,
                discount_override=form.cleaned_data["discount_override"],
                reason=form.cleaned_data["reason"],
            )
        except ApplicationError as exc:
            _mark_line_errors(form.lines, exc)
            return render(request, "purchases/record.html", _record_context(request, client, form.lines, exc.message))
        messages.success(
            request,
            gettext("Recorded purchase #%(pk)s: %(net_total)s after discount.")
            % {"pk": purchase.pk, "net_total": purchase.net_total},
        )
        return redirect("purchases:detail", pk=purchase.pk)
    return render(request, "purchases/record.html", _record_context(request, client, []))


@role_required(SM, ADM)
@require_GET
def record_line(request):
    return render(
        request, "purchases/_line.html", {"line": {"product": "", "quantity": "1", "unit_price": "", "reason": ""}}
    )


@role_required(SM, ADM)
@require_POST
def record_preview(request):
    client = client_or_404(int_or_none(request.POST.get("client")))
    form = forms.RecordForm(request.POST)
    quote, error = None, ""
    if form.lines and not form.is_valid():
        error = first_error(form)
    elif form.lines:
        try:
            quote = services.purchase_preview(client=client, lines=form.cleaned_data["lines"])
        except ApplicationError as exc:
            error = exc.message
    return render(request, "purchases/_preview.html", {"quote": quote, "error": error})


@role_required(*ALL)
@require_GET
def purchase_list(request):
    form = forms.PurchaseFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    qs = selectors.purchase_list(
        client=filters.get("client"),
        kind=filters.get("kind"),
        date_from=filters.get("date_from"),
        date_to=filters.get("date_to"),
    )
    rows, next_query = keyset_page(request, qs, PAGE_SIZE)
    ctx = {"purchases": rows, "form": form, "next_query": next_query}
    return render_partial(request, "purchases/list.html", "purchases/_list_rows.html", ctx)


@role_required(*ALL)
@require_GET
def purchase_detail(request, pk):
    try:
        purchase = selectors.purchase_get(pk=pk)
    except Purchase.DoesNotExist:
        raise Http404
    ctx = {
        "purchase": purchase,
        "returnable": selectors.purchase_returnable_lines(purchase=purchase) if purchase.kind == "sale" else [],
        "can_return": has_role(request.user, SM, ADM) and purchase.kind == "sale",
        "can_override": is_admin(request.user) and purchase.kind == "sale",
        "can_request": is_sales_manager(request.user) and purchase.kind == "sale",
        "override_form": forms.OverrideForm(),
        "return_form": forms.ReturnForm(),
    }
    return render(request, "purchases/detail.html", ctx)


@role_required(SM, ADM)
@require_POST
def purchase_return(request, pk):
    original = get_object_or_404(Purchase, pk=pk)
    form = forms.ReturnForm(request.POST, original=original)
    if not form.is_valid():
        messages.error(request, first_error(form))
        return redirect("purchases:detail", pk=pk)
    try:
        entry, _ = services.purchase_return(
            original=original, by=request.user, lines=form.cleaned_data["lines"], reason=form.cleaned_data["reason"]
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("purchases:detail", pk=pk)
    messages.success(
        request, gettext("Return #%(pk)s recorded: %(net_total)s.") % {"pk": entry.pk, "net_total": entry.net_total}
    )
    return redirect("purchases:detail", pk=entry.pk)


@role_required(ADM)
@require_POST
def purchase_override(request, pk):
    purchase = get_object_or_404(Purchase, pk=pk)
    form = forms.OverrideForm(request.POST)
    if not form.is_valid():
        messages.error(request, gettext("Give a percent between 0 and 100 and a reason."))
        return redirect("purchases:detail", pk=pk)
    try:
        entry = services.purchase_discount_override(purchase=purchase, by=request.user, **form.cleaned_data)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("purchases:detail", pk=pk)
    messages.success(request, gettext("Correction #%(pk)s recorded.") % {"pk": entry.pk})
    return redirect("purchases:detail", pk=entry.pk)


@role_required(*ALL)
@require_GET
def client_tab(request, client_id):
    """The client card's purchases tab (an HTML fragment the clients app loads)."""
    client = client_or_404(client_id)
    account = selectors.client_account_get(client=client)
    total = account.cumulative_total if account else ZERO
    ctx = {
        "client": client,
        "account": account,
        "total": total,
        "progress": selectors.tier_progress(total=total),
        "entries": list(selectors.purchase_list(client=client)[:50]),
        "tier_changes": list(selectors.tier_change_list(client=client)[:10]),
        "price_overrides": list(selectors.price_override_list(client=client)[:10]),
        "invoices": list(selectors.invoice_list(client=client)[:10]),
        "can_record": has_role(request.user, SM, ADM),
        "can_request": is_sales_manager(request.user),
    }
    return render(request, "purchases/_client_tab.html", ctx)
