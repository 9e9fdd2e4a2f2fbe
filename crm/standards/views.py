"""Pages of the service record (the card's banner, the list across clients, resolving a failure) and of the
key-client rule. Thin: parse, read through failures/key_clients, call one service, render."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clients.models import Client
from clients.services.rights import can_write_client
from crm.exceptions import ApplicationError
from crm.forms import apply_service_refusal
from crm.htmx import wants_fragment
from crm.roles import Role
from crm.views import role_required

from . import failures, key_clients
from .forms import FailureFilterForm, FailureResolveForm, KeyClientFlagForm, KeyClientRuleForm
from .models import KeyClientRule, ServiceFailure

SM, ACC, ADM = Role.SALES_MANAGER, Role.ACCOUNTANT, Role.ADMINISTRATOR


def _client_for_record(request, client_id: int) -> Client:
    client = get_object_or_404(Client.objects.select_related("manager"), pk=client_id)
    if not failures.can_read_client_record(request.user, client):
        raise PermissionDenied(_("You may see the service record only of your own clients."))
    return client


def _banner(request, client: Client, *, form=None, failed_pk=None, confirmed="", status=200):
    ctx = {
        "client": client,
        "record": failures.client_record(client=client),
        "can_resolve": can_write_client(request.user, client),
        "form": form,
        "failed_pk": failed_pk,
        "confirmed": confirmed,
    }
    return render(request, "standards/_service_record.html", ctx, status=status)


@require_GET
@role_required(SM, ACC, ADM)
def client_record(request, client_id):
    """The card's banner ("2 open failures" and the list), loaded by htmx at the top of the card; a normal
    visit (a typed URL, Back after a reload) gets the card itself, never the bare fragment."""
    client = _client_for_record(request, client_id)
    if not wants_fragment(request):
        return redirect("clients:card", client_id=client.pk)
    response = _banner(request, client)
    patch_vary_headers(response, ("HX-Request",))
    return response


@require_POST
@role_required(SM, ADM)
def failure_resolve(request, pk):
    failure = get_object_or_404(ServiceFailure.objects.select_related("client"), pk=pk)
    client = _client_for_record(request, failure.client_id)
    form = FailureResolveForm(request.POST)
    if form.is_valid():
        try:
            failures.failure_resolve(failure=failure, by=request.user, note=form.cleaned_data["note"])
        except ApplicationError as exc:
            apply_service_refusal(form, exc)
    if not wants_fragment(request):
        if form.errors:
            messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        else:
            messages.success(request, _("Failure resolved."))
        return redirect("clients:card", client_id=client.pk)
    if form.errors:
        return _banner(request, client, form=form, failed_pk=failure.pk)
    return _banner(request, client, confirmed=_("Failure resolved."))


@require_GET
@role_required(SM, ACC, ADM)
def failure_list(request):
    """Open failures across clients: a sales manager's own clients, everyone's for administrators and
    accountants; filtered by manager and status."""
    form = FailureFilterForm(request.GET or {"status": "open"})
    form.is_valid()
    data = form.cleaned_data if form.is_valid() else {"status": "open"}
    rows = failures.labelled(
        failures.failure_list(user=request.user, manager_id=data.get("manager"), status=data.get("status", ""))[:200]
    )
    return render(
        request,
        "standards/failures.html",
        {"form": form, "failures": rows},
    )


def _key_ctx(rule_form=None, flag_form=None):
    rule = key_clients.key_client_rule()
    ids = key_clients.key_client_ids(rule)
    return {
        "rule": rule,
        "rule_form": rule_form
        or KeyClientRuleForm(
            initial={
                "basis": rule.basis,
                "min_tier_percent": rule.min_tier_percent,
                "top_n": rule.top_n,
                "top_percent": rule.top_percent,
            }
        ),
        "flag_form": flag_form or KeyClientFlagForm(initial={"flagged": True}),
        "key_clients": list(Client.objects.filter(pk__in=ids).select_related("manager").order_by("name")[:200]),
        "ranking_exists": key_clients.ranking_exists(),
        "Basis": KeyClientRule.Basis,
    }


@require_http_methods(["GET", "POST"])
@role_required(ADM)
def key_client_rule(request):
    form = None
    if request.method == "POST":
        form = KeyClientRuleForm(request.POST)
        if form.is_valid():
            try:
                key_clients.key_client_rule_update(by=request.user, **form.cleaned_data)
            except ApplicationError as exc:
                apply_service_refusal(form, exc)
            else:
                messages.success(request, _("Key-client rule saved."))
                return redirect("standards:key_clients")
    return render(request, "standards/key_clients.html", _key_ctx(rule_form=form))


@require_POST
@role_required(ADM)
def key_client_flag(request):
    form = KeyClientFlagForm(request.POST)
    if form.is_valid():
        client = Client.objects.filter(pk=form.cleaned_data["client"], merged_into__isnull=True).first()
        if client is None:
            form.add_error("client", _("No such client."))
        else:
            try:
                key_clients.key_client_flag_set(client=client, flagged=form.cleaned_data["flagged"], by=request.user)
            except ApplicationError as exc:
                apply_service_refusal(form, exc)
            else:
                messages.success(request, _("Key-client flag saved."))
                return redirect("standards:key_clients")
    return render(request, "standards/key_clients.html", _key_ctx(flag_form=form))
