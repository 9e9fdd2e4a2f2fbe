"""The reconciliation page (accountants and administrators): the latest run with every mismatch and the rows it
names, the runs before it, and a button that runs the checks now."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from crm.exceptions import ApplicationError
from crm.forms import raise_if_forbidden
from crm.roles import Role
from crm.views import role_required

from .. import selectors, services
from ..models import ReconciliationRun

ACC, ADM = Role.ACCOUNTANT, Role.ADMINISTRATOR


@role_required(ACC, ADM)
@require_GET
def reconciliation(request):
    runs = list(selectors.reconciliation_run_list()[:20])
    return render(request, "purchases/reconciliation.html", {"latest": runs[0] if runs else None, "runs": runs})


@role_required(ACC, ADM)
@require_POST
def reconciliation_run(request):
    try:
        run = services.reconciliation_run(trigger=ReconciliationRun.Trigger.MANUAL, by=request.user)
    except ApplicationError as exc:
        raise_if_forbidden(exc)
        raise
    if run.is_clean:
        messages.success(request, gettext("Reconciled: everything agrees."))
    else:
        messages.error(
            request,
            gettext("Found %(mismatch_count)s mismatch(es); administrators were told.")
            % {"mismatch_count": run.mismatch_count},
        )
    return redirect("purchases:reconciliation")
