"""Credit note pages: the accountants' queue and recent ones, a credit note with its issue action, the PDF."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from crm.exceptions import ApplicationError
from crm.forms import raise_if_forbidden
from crm.roles import Role, is_accountant, is_admin
from crm.views import role_required

from .. import selectors, services
from ..models import CreditNote
from ..pdf import credit_note_pdf_response
from ..services.tax import tax_summary

SM, ACC, ADM = Role.SALES_MANAGER, Role.ACCOUNTANT, Role.ADMINISTRATOR
ALL = (SM, ACC, ADM)


def _credit_note_or_404(pk) -> CreditNote:
    try:
        return selectors.credit_note_get(pk=pk)
    except CreditNote.DoesNotExist:
        raise Http404 from None


@role_required(*ALL)
@require_GET
def credit_notes(request):
    ctx = {"now": timezone.now(), "queue": None, "currency": settings.CURRENCY}
    if is_accountant(request.user) or is_admin(request.user):
        ctx["queue"] = list(selectors.credit_note_queue()[:100])
    ctx["recent"] = list(selectors.credit_note_list(status=CreditNote.Status.ISSUED)[:50])
    return render(request, "purchases/credit_notes.html", ctx)


@role_required(*ALL)
@require_GET
def credit_note_detail(request, pk):
    note = _credit_note_or_404(pk)
    lines = list(note.lines.all())
    ctx = {
        "note": note,
        "lines": lines,
        "summary": tax_summary(lines),
        "currency": settings.CURRENCY,
        "is_accountant": is_accountant(request.user),
        "overdue": note.status == "requested" and note.due_at < timezone.now(),
    }
    return render(request, "purchases/credit_note_detail.html", ctx)


@role_required(ACC)
@require_POST
def credit_note_issue(request, pk):
    note = _credit_note_or_404(pk)
    try:
        note = services.credit_note_issue(credit_note=note, by=request.user)
    except ApplicationError as exc:
        raise_if_forbidden(exc)
        messages.error(request, exc.message)
    else:
        messages.success(request, f"Issued {note.number}.")
    return redirect("purchases:credit_note", pk=pk)


@role_required(*ALL)
@require_GET
def credit_note_pdf(request, pk):
    return credit_note_pdf_response(_credit_note_or_404(pk))
