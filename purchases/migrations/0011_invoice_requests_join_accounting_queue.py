"""Invoice requests not yet issued join the accounting team's queue as internal requests of the "invoice"
kind (new ones are opened there by purchases.services.invoice_request). Their target is the invoice
standard (ServiceTargets.invoice_issue_hours); nothing is taken or scored until the invoice is issued."""

from decimal import Decimal

from django.db import migrations


def forward(apps, schema_editor):
    Invoice = apps.get_model("purchases", "Invoice")
    InternalRequest = apps.get_model("internal_requests", "InternalRequest")
    RequestKind = apps.get_model("internal_requests", "RequestKind")
    ServiceTargets = apps.get_model("complaints", "ServiceTargets")
    kind = RequestKind.objects.filter(code="invoice").first()
    if kind is None:
        return
    targets = ServiceTargets.objects.filter(pk=1).first()
    hours = targets.invoice_issue_hours if targets else Decimal("2")
    done = set(InternalRequest.objects.filter(source="invoice").values_list("source_id", flat=True))
    rows = []
    for invoice in Invoice.objects.filter(status="requested").select_related("client").iterator():
        if invoice.pk in done:
            continue
        rows.append(
            InternalRequest(
                team_id=kind.team_id,
                kind=kind,
                subject=f"Invoice for {invoice.client.name}"[:200],
                details=invoice.note,
                requested_by_id=invoice.requested_by_id,
                requested_at=invoice.requested_at,
                due_at=invoice.due_at,
                target_hours=hours,
                status="in_progress" if invoice.claimed_by_id else "open",
                assignee_id=invoice.claimed_by_id,
                taken_at=invoice.claimed_at,
                source="invoice",
                source_id=invoice.pk,
                overdue_notified_at=invoice.overdue_notified_at,
            )
        )
    InternalRequest.objects.bulk_create(rows, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("purchases", "0010_default_perk_kinds"),
        ("internal_requests", "0002_accounting_team_invoice_kind"),
        ("complaints", "0006_category_and_document_updated_at"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
