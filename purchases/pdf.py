"""The invoice PDF. Every text that came from a user goes through escape() before it reaches a Paragraph:
reportlab's mini-markup (<img src>, <a href>, <font>) would otherwise read local files or fetch URLs."""

from io import BytesIO
from xml.sax.saxutils import escape

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from . import selectors


def _p(text, style) -> Paragraph:
    return Paragraph(escape(str(text or "")).replace("\n", "<br/>"), style)


def invoice_pdf(invoice, lines) -> bytes:
    """`lines`: PurchaseLine rows of the invoiced purchases (with product loaded)."""
    styles = getSampleStyleSheet()
    normal, heading = styles["Normal"], styles["Heading1"]
    company = settings.COMPANY
    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, title=f"Invoice {invoice.number or ''}"
    )
    client = invoice.client
    title = f"Invoice {invoice.number}" if invoice.number else f"Invoice request #{invoice.pk} (not issued)"
    if invoice.status == "void":
        title += f" - VOID (credit note {invoice.credit_note_number or '-'})"
    story = [
        _p(title, heading),
        _p(company["name"], styles["Heading3"]),
        _p(f"{company['address']}\n{company['tax_id']}\n{company['email']} · {company['phone']}", normal),
        Spacer(1, 6 * mm),
        _p("Bill to", styles["Heading3"]),
        _p(f"{client.name}\n{getattr(client, 'address', '') or ''}\n{client.email or ''}", normal),
        Spacer(1, 4 * mm),
        _p(
            f"Issued: {timezone.localtime(invoice.issued_at):%Y-%m-%d}" if invoice.issued_at else "Not issued yet",
            normal,
        ),
        Spacer(1, 4 * mm),
    ]
    rows = [["SKU", "Product", "Qty", "Unit price", "Gross", "Discount", "Net"]]
    for line in lines:
        rows.append(
            [
                _p(line.product.sku, normal),
                _p(line.product.name, normal),
                f"{line.quantity.normalize():f}",
                f"{line.unit_price:,.2f}",
                f"{line.gross_amount:,.2f}",
                f"{line.discount_amount:,.2f}",
                f"{line.net_amount:,.2f}",
            ]
        )
    table = Table(rows, colWidths=[24 * mm, 54 * mm, 14 * mm, 22 * mm, 22 * mm, 18 * mm, 22 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
                ("ALIGN", (2, 1), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story += [table, Spacer(1, 4 * mm)]
    totals = Table(
        [
            ["Gross", f"{invoice.gross_total:,.2f}"],
            ["Discount", f"-{invoice.discount_amount:,.2f}"],
            ["Total due", f"{invoice.net_total:,.2f}"],
            ["Paid", f"{invoice.amount_paid:,.2f}"],
        ],
        colWidths=[40 * mm, 30 * mm],
        hAlign="RIGHT",
    )
    totals.setStyle(TableStyle([("ALIGN", (1, 0), (1, -1), "RIGHT"), ("FONTNAME", (0, 2), (-1, 2), "Helvetica-Bold")]))
    story += [totals, Spacer(1, 6 * mm), _p(f"Payment to {company['bank']}", normal)]
    if invoice.note:
        story += [_p(f"Note: {invoice.note}", normal)]
    doc.build(story)
    return buffer.getvalue()


def invoice_pdf_response(invoice) -> HttpResponse:
    """The PDF as a download, for the invoice page and the API alike."""
    body = invoice_pdf(invoice, selectors.invoice_lines(invoice=invoice))
    response = HttpResponse(body, content_type="application/pdf")
    name = invoice.number or f"request-{invoice.pk}"
    response["Content-Disposition"] = f'attachment; filename="invoice-{name}.pdf"'
    return response
