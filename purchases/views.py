"""HTML pages (htmx): parse input, fetch through selectors, call one service, render."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.exceptions import ApplicationError
from crm.forms import apply_application_error
from crm.htmx import render_partial
from crm.money import ZERO
from crm.roles import Role, has_role, is_accountant, is_admin, is_sales_manager
from crm.views import role_required

from . import forms, selectors, services
from .forms import first_error
from .models import Category, DiscountTier, Invoice, Product, Purchase
from .pdf import invoice_pdf_response

SM, ACC, ADM = Role.SALES_MANAGER, Role.ACCOUNTANT, Role.ADMINISTRATOR
ALL = (SM, ACC, ADM)
PAGE_SIZE = 50


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _client(client_id):
    from clients import selectors as client_selectors

    try:
        return client_selectors.client_get(pk=client_id)
    except Exception:
        raise Http404("No such client.")


# --- catalogue ---------------------------------------------------------------------------------------------


@role_required(*ALL)
@require_GET
def catalogue(request):
    search = request.GET.get("q", "").strip()
    category = _int(request.GET.get("category"))
    products = list(selectors.product_list(search=search, category=category)[:200])
    ctx = {
        "products": products,
        "search": search,
        "category": category,
        "categories": selectors.category_list(),
        "can_edit": is_admin(request.user),
    }
    return render_partial(request, "purchases/catalogue.html", "purchases/_catalogue_rows.html", ctx)


@role_required(ADM)
@require_http_methods(["GET", "POST"])
def product_edit(request, pk=None):
    product = get_object_or_404(Product, pk=pk) if pk else None
    if request.method == "POST":
        form = forms.ProductForm(request.POST)
        if form.is_valid():
            try:
                if product:
                    services.product_update(product=product, by=request.user, **form.cleaned_data)
                else:
                    product = services.product_create(by=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                apply_application_error(form, exc)
            else:
                messages.success(request, f"Saved {product.sku}.")
                return redirect("purchases:catalogue")
    else:
        initial = {}
        if product:
            initial = {f: getattr(product, f) for f in forms.ProductForm.base_fields}
        form = forms.ProductForm(initial=initial)
    return render(request, "purchases/product_form.html", {"form": form, "product": product})


@role_required(ADM)
@require_http_methods(["GET", "POST"])
def categories(request):
    form = forms.CategoryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            category = services.category_save(**form.cleaned_data)
        except ApplicationError as exc:
            apply_application_error(form, exc)
        else:
            messages.success(request, f"Added {category.name}.")
            return redirect("purchases:categories")
    return render(request, "purchases/categories.html", {"form": form, "categories": selectors.category_list()})


@role_required(ADM)
@require_http_methods(["GET", "POST"])
def category_edit(request, pk):
    category = get_object_or_404(Category, pk=pk)
    form = forms.CategoryForm(
        request.POST or None, initial={"name": category.name, "code": category.code, "is_active": category.is_active}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.category_save(category=category, **form.cleaned_data)
        except ApplicationError as exc:
            apply_application_error(form, exc)
        else:
            messages.success(request, "Category saved.")
            return redirect("purchases:categories")
    return render(request, "purchases/category_form.html", {"form": form, "category": category})


@role_required(ADM)
@require_http_methods(["GET", "POST"])
def catalogue_import(request):
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    errors = []
    if request.method == "POST" and form.is_valid():
        try:
            rows = forms.catalogue_csv_rows(form.cleaned_data["file"])
            result = services.catalogue_import(rows=rows, by=request.user)
        except ValidationError as exc:  # the file did not parse
            errors = exc.messages
        except ApplicationError as exc:
            errors = exc.extra.get("rows") or [exc.message]
        else:
            messages.success(request, f"Imported: {result['created']} new, {result['updated']} updated.")
            return redirect("purchases:catalogue")
    return render(request, "purchases/import.html", {"form": form, "errors": errors})


@role_required(ADM)
@require_http_methods(["GET", "POST"])
def tiers(request):
    tier_form = forms.TierForm(request.POST if request.POST.get("form") == "tier" else None)
    policy = services.policy_get()
    policy_form = forms.PolicyForm(
        request.POST if request.POST.get("form") == "policy" else None,
        initial={"basis": policy.basis, "window_months": policy.window_months},
    )
    if request.method == "POST":
        form = tier_form if request.POST.get("form") == "tier" else policy_form
        if form.is_valid():
            try:
                if form is tier_form:
                    services.tier_save(**form.cleaned_data)
                else:
                    services.policy_set(**form.cleaned_data)
            except ApplicationError as exc:
                apply_application_error(form, exc)
            else:
                messages.success(request, "Saved.")
                return redirect("purchases:tiers")
    ctx = {"tiers": selectors.tier_list(), "tier_form": tier_form, "policy_form": policy_form, "policy": policy}
    return render(request, "purchases/tiers.html", ctx)


@role_required(ADM)
@require_POST
def tier_delete(request, pk):
    try:
        services.tier_delete(tier=get_object_or_404(DiscountTier, pk=pk))
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Tier deleted.")
    return redirect("purchases:tiers")


# --- recording ---------------------------------------------------------------------------------------------


def _record_context(request, client, lines, error=""):
    return {
        "client": client,
        "lines": lines or [{"product": "", "quantity": "1", "unit_price": ""}],
        "products": selectors.product_list(active_only=True),
        "error": error,
        "can_override": is_admin(request.user),
        "clients": _client_search(request.GET.get("q", "")) if client is None else [],
        "q": request.GET.get("q", ""),
    }


def _client_search(q: str):
    if not q.strip():
        return []
    from clients import selectors as client_selectors

    return list(client_selectors.client_list(search=q)[:15])


@role_required(SM, ADM)
@require_http_methods(["GET", "POST"])
def record(request):
    client_id = _int(request.POST.get("client") or request.GET.get("client"))
    client = _client(client_id) if client_id else None
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
            return render(request, "purchases/record.html", _record_context(request, client, form.lines, exc.message))
        messages.success(request, f"Recorded purchase #{purchase.pk}: {purchase.net_total} after discount.")
        return redirect("purchases:detail", pk=purchase.pk)
    return render(request, "purchases/record.html", _record_context(request, client, []))


@role_required(SM, ADM)
@require_GET
def record_line(request):
    return render(request, "purchases/_line.html", {"line": {"product": "", "quantity": "1", "unit_price": ""}})


@role_required(SM, ADM)
@require_POST
def record_preview(request):
    client = _client(_int(request.POST.get("client")))
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


# --- ledger ------------------------------------------------------------------------------------------------


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
    before = _int(request.GET.get("before"))
    if before:
        qs = qs.filter(pk__lt=before)
    rows = list(qs[: PAGE_SIZE + 1])
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    params = request.GET.copy()
    params.pop("before", None)
    if rows:
        params["before"] = rows[-1].pk
    ctx = {"purchases": rows, "form": form, "next_query": params.urlencode() if more else ""}
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
    messages.success(request, f"Return #{entry.pk} recorded: {entry.net_total}.")
    return redirect("purchases:detail", pk=entry.pk)


@role_required(ADM)
@require_POST
def purchase_override(request, pk):
    purchase = get_object_or_404(Purchase, pk=pk)
    form = forms.OverrideForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give a percent between 0 and 100 and a reason.")
        return redirect("purchases:detail", pk=pk)
    try:
        entry = services.purchase_discount_override(purchase=purchase, by=request.user, **form.cleaned_data)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("purchases:detail", pk=pk)
    messages.success(request, f"Correction #{entry.pk} recorded.")
    return redirect("purchases:detail", pk=entry.pk)


@role_required(*ALL)
@require_GET
def client_tab(request, client_id):
    """The client card's purchases tab (an HTML fragment the clients app loads)."""
    client = _client(client_id)
    account = selectors.client_account_get(client=client)
    total = account.cumulative_total if account else ZERO
    ctx = {
        "client": client,
        "account": account,
        "total": total,
        "progress": selectors.tier_progress(total=total),
        "entries": list(selectors.purchase_list(client=client)[:50]),
        "tier_changes": list(selectors.tier_change_list(client=client)[:10]),
        "invoices": list(selectors.invoice_list(client=client)[:10]),
        "can_record": has_role(request.user, SM, ADM),
        "can_request": is_sales_manager(request.user),
    }
    return render(request, "purchases/_client_tab.html", ctx)


# --- invoices ----------------------------------------------------------------------------------------------


@role_required(*ALL)
@require_GET
def invoices(request):
    now = timezone.now()
    ctx = {"now": now, "status": request.GET.get("status", "")}
    if is_accountant(request.user) or is_admin(request.user):
        ctx["queue"] = list(selectors.invoice_queue()[:100])
    if is_sales_manager(request.user):
        ctx["mine"] = list(selectors.invoice_list(requested_by=request.user)[:100])
    ctx["recent"] = list(selectors.invoice_list(status=ctx["status"] or None).exclude(status="requested")[:50])
    if is_admin(request.user):
        ctx["turnaround"] = selectors.invoice_turnaround()
    return render(request, "purchases/invoices.html", ctx)


@role_required(SM)
@require_http_methods(["GET", "POST"])
def invoice_request(request):
    client = _client(_int(request.POST.get("client") or request.GET.get("client")))
    error = ""
    if request.method == "POST":
        form = forms.InvoiceRequestForm(request.POST)
        if not form.is_valid():
            error = first_error(form)
        else:
            try:
                invoice = services.invoice_request(client=client, by=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                error = exc.message
            else:
                when = timezone.localtime(invoice.due_at)
                messages.success(request, f"Invoice requested; due by {when:%d %b %H:%M}.")
                return redirect("purchases:invoice", pk=invoice.pk)
    candidates = selectors.purchase_list(client=client, kind="sale").exclude(invoices__status__in=Invoice.OPEN)[:100]
    selected = {_int(v) for v in request.GET.getlist("purchase")}
    ctx = {"client": client, "candidates": candidates, "selected": selected, "error": error}
    return render(request, "purchases/invoice_request.html", ctx)


@role_required(*ALL)
@require_GET
def invoice_detail(request, pk):
    try:
        invoice = selectors.invoice_get(pk=pk)
    except Invoice.DoesNotExist:
        raise Http404
    acc = is_accountant(request.user)
    ctx = {
        "invoice": invoice,
        "lines": selectors.invoice_lines(invoice=invoice),
        "is_accountant": acc,
        "payment_form": forms.PaymentForm(initial={"paid_on": timezone.localdate(), "amount": invoice.balance}),
        "void_form": forms.VoidForm(),
        "overdue": invoice.status == "requested" and invoice.due_at < timezone.now(),
    }
    return render(request, "purchases/invoice_detail.html", ctx)


@role_required(ACC)
@require_POST
def invoice_action(request, pk, action):
    invoice = get_object_or_404(Invoice, pk=pk)
    try:
        if action == "claim":
            services.invoice_claim(invoice=invoice, by=request.user)
        elif action == "issue":
            invoice = services.invoice_issue(invoice=invoice, by=request.user)
            messages.success(request, f"Issued {invoice.number}.")
        elif action == "send":
            services.invoice_mark_sent(invoice=invoice, by=request.user)
        elif action == "void":
            form = forms.VoidForm(request.POST)
            services.invoice_void(
                invoice=invoice, by=request.user, reason=form.data.get("reason", "") if form.is_bound else ""
            )
        elif action == "payment":
            form = forms.PaymentForm(request.POST)
            if not form.is_valid():
                raise ApplicationError("Enter an amount and a date.")
            services.invoice_payment_record(invoice=invoice, by=request.user, **form.cleaned_data)
        else:
            raise Http404
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return redirect(reverse("purchases:invoice", args=[pk]))


@role_required(*ALL)
@require_GET
def invoice_pdf(request, pk):
    invoice = get_object_or_404(selectors.invoice_list(), pk=pk)
    return invoice_pdf_response(invoice)
