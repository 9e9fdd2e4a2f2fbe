"""Catalogue pages: the product list, product and category editing, the CSV import, tiers and the policy, tax rates."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from crm.exceptions import ApplicationError
from crm.forms import apply_application_error, apply_service_refusal
from crm.htmx import render_partial
from crm.roles import Role, is_admin
from crm.views import role_required

from .. import forms, selectors, services
from ..models import Category, DiscountTier, Product
from .params import int_or_none

SM, ACC, ADM = Role.SALES_MANAGER, Role.ACCOUNTANT, Role.ADMINISTRATOR
ALL = (SM, ACC, ADM)


@role_required(*ALL)
@require_GET
def catalogue(request):
    search = request.GET.get("q", "").strip()
    category = int_or_none(request.GET.get("category"))
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
                messages.success(request, gettext("Saved %(sku)s.") % {"sku": product.sku})
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
            messages.success(request, gettext("Added %(name)s.") % {"name": category.name})
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
            messages.success(request, gettext("Category saved."))
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
            messages.success(
                request,
                gettext("Imported: %(result)s new, %(result2)s updated.")
                % {"result": result["created"], "result2": result["updated"]},
            )
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
                messages.success(request, gettext("Saved."))
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
        messages.success(request, gettext("Tier deleted."))
    return redirect("purchases:tiers")


@role_required(ADM)
@require_http_methods(["GET", "POST"])
def tax_rates(request):
    form = forms.TaxRateForm(request.POST or None, initial={"effective_from": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            rate = services.tax_rate_create(by=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            apply_service_refusal(form, exc)
        else:
            messages.success(request, gettext("Added %(rate)s.") % {"rate": rate})
            return redirect("purchases:tax_rates")
    ctx = {"form": form, "rates": selectors.tax_rate_list()[:500], "default_rate": services.default_tax_rate()}
    return render(request, "purchases/tax_rates.html", ctx)
