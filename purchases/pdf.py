"""The invoice and credit-note PDFs. Every text that came from a user goes through escape() before it reaches a
Paragraph: reportlab's mini-markup (<img src>, <a href>, <font>) would otherwise read local files or fetch URLs.
Every amount is printed with the currency code (settings.CURRENCY); lines carry their tax rate and tax, and a
per-rate summary precedes the totals net, tax and gross."""

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
from .services.tax import tax_summary


def _p(text, style) -> Paragraph:
    return Paragraph(escape(str(text or "")).replace("\n", "<br/>"), style)


def _amount(value) -> str:
    return f"{value:,.2f} {settings.CURRENCY}"


def _rate(value) -> str:
    return f"{value.normalize():f}%"


def _date(value) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d}" if value else ""


def _header(title: str, client, styles) -> list:
    normal = styles["Normal"]
    company = settings.COMPANY
    return [
        _p(title, styles["Heading1"]),
        _p(company["name"], styles["Heading3"]),
        _p(f"{company['address']}\n{company['tax_id']}\n{company['email']} · {company['phone']}", normal),
        Spacer(1, 6 * mm),
        _p("Bill to", styles["Heading3"]),
        _p(f"{client.name}\n{getattr(client, 'address', '') or ''}\n{client.email or ''}", normal),
        Spacer(1, 4 * mm),
    ]


GRID = [
    ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
    ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke),
    ("FONTSIZE", (0, 0), (-1, -1), 8),
    ("VALIGN", (0, 0), (-1, -1), "TOP"),
]


def _lines_table(lines, styles, *, with_discount: bool) -> Table:
    small = styles["BodyText"].clone("small", fontSize=8, leading=10)
    head = ["SKU", "Description", "Qty", "Unit price"] + (["Discount"] if with_discount else [])
    rows = [head + ["Net", "Tax rate", "Tax", "Gross"]]
    for line in lines:
        row = [
            _p(line.product.sku, small),
            _p(line.description, small),
            f"{line.quantity.normalize():f}",
            _amount(line.unit_price),
        ]
        if with_discount:
            row.append(_amount(line.discount_amount))
        row += [_amount(line.net_amount), _rate(line.tax_rate), _amount(line.tax_amount), _amount(line.gross_amount)]
        rows.append(row)
    widths = [18, 36 if with_discount else 50, 11, 20] + ([18] if with_discount else []) + [20, 12, 18, 20]
    table = Table(rows, colWidths=[w * mm for w in widths], repeatRows=1)
    table.setStyle(TableStyle(GRID + [("ALIGN", (2, 1), (-1, -1), "RIGHT")]))
    return table


def _tax_summary_table(lines) -> Table:
    rows = [["Tax rate", "Net", "Tax", "Gross"]]
    for s in tax_summary(lines):
        rows.append([_rate(s.rate), _amount(s.net), _amount(s.tax), _amount(s.gross)])
    table = Table(rows, colWidths=[20 * mm, 30 * mm, 30 * mm, 30 * mm], hAlign="RIGHT")
    table.setStyle(TableStyle(GRID + [("ALIGN", (0, 1), (-1, -1), "RIGHT")]))
    return table


def _totals_table(rows, bold_row: int) -> Table:
    table = Table([[label, _amount(value)] for label, value in rows], colWidths=[45 * mm, 35 * mm], hAlign="RIGHT")
    table.setStyle(
        TableStyle([("ALIGN", (1, 0), (1, -1), "RIGHT"), ("FONTNAME", (0, bold_row), (-1, bold_row), "Helvetica-Bold")])
    )
    return table


def invoice_pdf(invoice, lines) -> bytes:
    """`lines`: the invoice's lines (selectors.invoice_lines: fixed at issue, or the live figures of a request)."""
    styles = getSampleStyleSheet()
    normal = styles["Normal"]
    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, title=f"Invoice {invoice.number or ''}"
    )
    title = f"Invoice {invoice.number}" if invoice.number else f"Invoice request #{invoice.pk} (not issued)"
    if invoice.status == "void":
        title += " - VOID" + (f" (credit note {invoice.credit_note_number})" if invoice.credit_note_number else "")
    story = _header(title, invoice.client, styles)
    story += [
        _p(f"Issued: {_date(invoice.issued_at)}" if invoice.issued_at else "Not issued: figures as of today", normal),
        _p(f"Currency: {settings.CURRENCY}", normal),
        Spacer(1, 4 * mm),
        _lines_table(lines, styles, with_discount=True),
        Spacer(1, 4 * mm),
        _tax_summary_table(lines),
        Spacer(1, 4 * mm),
    ]
    totals = [
        ("Before discount", invoice.list_total),
        ("Discount", -invoice.discount_amount),
        ("Net total", invoice.net_total),
        ("Tax", invoice.tax_total),
        ("Total (gross)", invoice.gross_total),
    ]
    if invoice.credited_total:
        totals.append(("Credited", -invoice.credited_total))
    totals.append(("Paid", invoice.amount_paid))
    if invoice.amount_refunded:
        totals.append(("Refunded", invoice.amount_refunded))
    if invoice.balance < 0:
        totals.append(("Due back to you", -invoice.balance))
    else:
        totals.append(("Balance due", invoice.balance))
    story += [_totals_table(totals, bold_row=4), Spacer(1, 4 * mm)]
    credit_notes = [n for n in invoice.credit_notes.all() if n.number]
    if credit_notes:
        story.append(
            _p("Credit notes: " + ", ".join(f"{n.number} ({_amount(n.gross_total)})" for n in credit_notes), normal)
        )
    story += [Spacer(1, 4 * mm), _p(f"Payment to {settings.COMPANY['bank']}", normal)]
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


def credit_note_pdf(note) -> bytes:
    """A credit note: what it credits, line by line with tax, and the invoice it corrects."""
    styles = getSampleStyleSheet()
    normal = styles["Normal"]
    lines = list(note.lines.all())
    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, title=f"Credit note {note.number or ''}"
    )
    title = f"Credit note {note.number}" if note.number else f"Credit note request #{note.pk} (not issued)"
    invoice = note.invoice
    story = _header(title, invoice.client, styles)
    story += [
        _p(f"Corrects invoice {invoice.number} of {_date(invoice.issued_at)}", styles["Heading3"]),
        _p(f"Reason: {note.get_reason_display()}" + (f" - {note.note}" if note.note else ""), normal),
        _p(f"Issued: {_date(note.issued_at)}" if note.issued_at else "Not issued yet", normal),
        _p(f"Currency: {settings.CURRENCY}", normal),
        Spacer(1, 4 * mm),
        _lines_table(lines, styles, with_discount=False),
        Spacer(1, 4 * mm),
        _tax_summary_table(lines),
        Spacer(1, 4 * mm),
        _totals_table(
            [("Net credited", note.net_total), ("Tax credited", note.tax_total), ("Total credited", note.gross_total)],
            bold_row=2,
        ),
    ]
    doc.build(story)
    return buffer.getvalue()


def credit_note_pdf_response(note) -> HttpResponse:
    response = HttpResponse(credit_note_pdf(note), content_type="application/pdf")
    name = note.number or f"request-{note.pk}"
    response["Content-Disposition"] = f'attachment; filename="credit-note-{name}.pdf"'
    return response
