"""The personal data page of a client (administrators): download everything held about the person as JSON,
erase it, and see what was exported and erased before. The service audits both."""

from django.contrib import messages
from django.core.serializers.json import DjangoJSONEncoder
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from crm.exceptions import ApplicationError
from crm.forms import apply_service_refusal
from crm.roles import Role
from crm.views import role_required

from . import selectors
from .forms import ErasureForm
from .models import Client
from .services import personal_data

ADM = Role.ADMINISTRATOR


def _page(request, client: Client, form: ErasureForm | None = None, status: int = 200):
    context = {
        "client": client,
        "form": form or ErasureForm(client_id=client.pk),
        "audit": selectors.personal_data_audit_list(client_id=client.pk)[:50],
    }
    return render(request, "clients/personal_data.html", context, status=status)


@require_GET
@role_required(ADM)
def personal_data_page(request, client_id: int):
    return _page(request, get_object_or_404(Client, pk=client_id))


@require_GET
@role_required(ADM)
def personal_data_export(request, client_id: int):
    client = get_object_or_404(Client, pk=client_id)
    document = personal_data.personal_data_export(client=client, by=request.user)
    response = JsonResponse(document, encoder=DjangoJSONEncoder, json_dumps_params={"indent": 2})
    response["Content-Disposition"] = f'attachment; filename="client-{client.pk}-personal-data.json"'
    return response


@require_POST
@role_required(ADM)
def personal_data_erase(request, client_id: int):
    client = get_object_or_404(Client, pk=client_id)
    form = ErasureForm(request.POST, client_id=client.pk)
    if form.is_valid():
        try:
            personal_data.client_personal_data_erase(client=client, by=request.user)
        except ApplicationError as exc:
            apply_service_refusal(form, exc)
        else:
            messages.success(request, gettext("The personal data of client %(pk)s was erased.") % {"pk": client.pk})
            return redirect("clients:personal_data", client_id=client.pk)
    return _page(request, client, form, status=400)
