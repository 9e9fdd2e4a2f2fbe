"""Perks pages: the list of perks given without a complaint (every role reads it), recording one (sales
managers for their clients, administrators any), ending a standing one, and the perk kinds administrators
configure; and the client card's perks tab, where a perk is recorded for that client."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from crm.exceptions import ApplicationError
from crm.forms import apply_service_refusal
from crm.htmx import render_partial, wants_fragment
from crm.roles import Role, has_role, is_admin
from crm.views import role_required

from .. import forms, selectors, services
from ..models import Perk, PerkKind
from ..perks import with_accrued_cost
from .params import client_or_404, keyset_page

SM, ACC, ADM = Role.SALES_MANAGER, Role.ACCOUNTANT, Role.ADMINISTRATOR
ALL = (SM, ACC, ADM)
PAGE_SIZE = 50


def _record(request, form, *, by) -> Perk | None:
    """Call the service with a valid form; a refused rule goes on the form, a refused actor is a 403."""
    if not form.is_valid():
        return None
    data = form.cleaned_data
    try:
        return services.perk_record(
            kind=data["kind"],
            scope=data["scope"],
            client=data.get("client"),
            segment=data.get("segment"),
            cost=data.get("cost"),
            accrual=data.get("accrual") or "",
            starts_on=data.get("starts_on"),
            ends_on=data.get("ends_on"),
            note=data.get("note") or "",
            by=by,
        )
    except ApplicationError as exc:
        apply_service_refusal(form, exc)
        return None


def _list_page(request, form=None, kind_form=None, status=200):
    now = timezone.now()
    rows, next_query = keyset_page(request, selectors.perk_list(as_of=now), PAGE_SIZE)
    ctx = {
        "perks": with_accrued_cost(rows, now),
        "next_query": next_query,
        "can_record": has_role(request.user, SM, ADM),
        "is_admin": is_admin(request.user),
        "form": form or forms.PerkForm(allow_segment=is_admin(request.user)),
        "kinds": selectors.perk_kind_list() if is_admin(request.user) else [],
        "kind_form": kind_form or forms.PerkKindForm(),
        "end_form": forms.PerkEndForm(),
    }
    return render_partial(request, "purchases/perks.html", "purchases/_perk_rows.html", ctx, status=status)


@role_required(*ALL)
@require_http_methods(["GET", "POST"])
def perks(request):
    if request.method == "GET":
        return _list_page(request)
    if not has_role(request.user, SM, ADM):
        _forbidden()
    form = forms.PerkForm(request.POST, allow_segment=is_admin(request.user))
    perk = _record(request, form, by=request.user)
    if perk is None:
        return _list_page(request, form=form, status=400)
    messages.success(request, _("Perk recorded: %(perk)s.") % {"perk": perk.kind.name})
    return redirect("purchases:perks")


def _forbidden():
    raise PermissionDenied(_("Your role may not record perks."))


@require_POST
@role_required(SM, ADM)
def perk_end(request, pk: int):
    perk = get_object_or_404(Perk, pk=pk)
    form = forms.PerkEndForm(request.POST)
    if form.is_valid():
        try:
            services.perk_end(perk=perk, last_day=form.cleaned_data["last_day"], by=request.user)
        except ApplicationError as exc:
            apply_service_refusal(form, exc)
    if form.errors:
        messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
    else:
        messages.success(request, _("The perk ends on %(day)s.") % {"day": form.cleaned_data["last_day"]})
    return redirect("purchases:perks")


@require_POST
@role_required(ADM)
def perk_kind_save(request):
    form = forms.PerkKindForm(request.POST)
    if form.is_valid():
        existing = PerkKind.objects.filter(code=form.cleaned_data["code"]).first()
        try:
            services.perk_kind_save(kind=existing, **form.cleaned_data)
        except ApplicationError as exc:
            apply_service_refusal(form, exc)
        else:
            messages.success(request, _("Perk kind saved."))
            return redirect("purchases:perks")
    return _list_page(request, kind_form=form, status=400)


def _client_tab(request, client, form=None, recorded=None, status=200):
    now = timezone.now()
    ctx = {
        "client": client,
        "perks": with_accrued_cost(list(selectors.perk_list(as_of=now, client=client)[:50]), now),
        "can_record": services.can_record_perk(request.user, client=client),
        "form": form or forms.PerkForm(fixed_client=client),
        "recorded": recorded,
    }
    return render(request, "purchases/_perks_client_tab.html", ctx, status=status)


@role_required(*ALL)
@require_http_methods(["GET", "POST"])
def client_perks_tab(request, client_id: int):
    """The client card's perks tab (a fragment); a POST records a perk for this client and shows the tab."""
    if request.method == "POST" and not has_role(request.user, SM, ADM):
        _forbidden()
    client = client_or_404(client_id)
    if request.method == "GET":
        return _client_tab(request, client)
    form = forms.PerkForm(request.POST, fixed_client=client)
    perk = _record(request, form, by=request.user)
    if not wants_fragment(request):  # a plain form post: back to the card (never a bare fragment)
        if perk is not None:
            messages.success(request, _("Perk recorded: %(perk)s.") % {"perk": perk.kind.name})
        else:
            messages.error(request, " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(reverse("clients:card", kwargs={"client_id": client.pk}) + "?tab=perks")
    if perk is None:
        return _client_tab(request, client, form=form, status=400)
    return _client_tab(request, client, recorded=perk)
