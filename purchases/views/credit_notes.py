"""Credit note pages: the accountants' queue and recent ones, a credit note with its issue, send and refund
actions, the PDF."""

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_POST

from crm.exceptions import ApplicationError
from crm.forms import apply_service_refusal, raise_if_forbidden
from crm.roles import Role, is_accountant, is_admin
from crm.views import role_required

from .. import forms, selectors, services
from ..models import CreditNote, Invoice
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
    return _detail(request, _credit_note_or_404(pk))


def _detail(request, note, *, refund_form=None, status=200):
    lines = list(note.lines.all())
    can_refund = services.credit_note_can_refund(note)
    limit = services.invoice_refund_limit(note.invoice, credit_note=note) if can_refund else 0
    ctx = {
        "note": note,
        "lines": lines,
        "summary": tax_summary(lines),
        "currency": settings.CURRENCY,
        "is_accountant": is_accountant(request.user),
        "overdue": note.status == "requested" and note.due_at < timezone.now(),
        "refunds": list(note.refunds.select_related("recorded_by")),
        "can_refund": can_refund,
        "refund_form": refund_form or forms.RefundForm(initial={"refunded_on": timezone.localdate(), "amount": limit}),
    }
    return render(request, "purchases/credit_note_detail.html", ctx, status=status)


@role_required(ACC)
@require_POST
def credit_note_send(request, pk):
    note = _credit_note_or_404(pk)
    try:
        note = services.credit_note_send(credit_note=note, by=request.user)
    except ApplicationError as exc:
        raise_if_forbidden(exc)
        messages.error(request, exc.message)
    else:
        if note.send_state == Invoice.SendState.FAILED:
            messages.error(request, gettext("Not sent: %(send_error)s.") % {"send_error": note.send_error})
        else:
            messages.success(request, gettext("The credit note is on its way to the client with its PDF."))
    return redirect("purchases:credit_note", pk=pk)


@role_required(ACC)
@require_POST
def credit_note_refund(request, pk):
    """A refund against the credit note (recorded on its invoice too); a refused rule shows on the form (400)."""
    note = _credit_note_or_404(pk)
    form = forms.RefundForm(request.POST)
    if form.is_valid():
        try:
            services.invoice_refund_record(credit_note=note, by=request.user, **form.cleaned_data)
        except ApplicationError as exc:
            apply_service_refusal(form, exc)
        else:
            messages.success(request, gettext("Refund recorded."))
            return redirect("purchases:credit_note", pk=pk)
    return _detail(request, _credit_note_or_404(pk), refund_form=form, status=400)


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
        messages.success(request, gettext("Issued %(number)s.") % {"number": note.number})
    return redirect("purchases:credit_note", pk=pk)


@role_required(*ALL)
@require_GET
def credit_note_pdf(request, pk):
    return credit_note_pdf_response(_credit_note_or_404(pk))
