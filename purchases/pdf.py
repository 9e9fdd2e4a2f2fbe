"""The invoice and credit-note PDFs. Every text that came from a user goes through escape() before it reaches a
Paragraph: reportlab's mini-markup (<img src>, <a href>, <font>) would otherwise read local files or fetch URLs.
Every amount is printed with the currency code (settings.CURRENCY); lines carry their tax rate and tax, and a
per-rate summary precedes the totals net, tax and gross."""

from io import BytesIO
from xml.sax.saxutils import escape

from django.conf import settings
from django.http import HttpResponse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
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
    return f"{formats.number_format(value, 2, use_l10n=True, force_grouping=True)} {settings.CURRENCY}"


def _rate(value) -> str:
    return f"{formats.number_format(value.normalize(), use_l10n=True)}%"


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
        _p(_("Bill to"), styles["Heading3"]),
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
    head = [_("SKU"), _("Description"), _("Qty"), _("Unit price")] + ([_("Discount")] if with_discount else [])
    rows = [head + [_("Net"), _("Tax rate"), _("Tax"), _("Gross")]]
    for line in lines:
        row = [
            _p(line.product.sku, small),
            _p(line.description, small),
            formats.number_format(line.quantity.normalize(), use_l10n=True),
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
    rows = [[_("Tax rate"), _("Net"), _("Tax"), _("Gross")]]
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
    """`lines`: the invoice's lines (selectors.invoice_lines: fixed at issue, or the live figures of a request).
    In the client's language, whoever downloads it: it is the client's document."""
    with translation.override(getattr(invoice.client, "language", "") or settings.LANGUAGE_CODE):
        return _invoice_pdf(invoice, lines)


def _invoice_pdf(invoice, lines) -> bytes:
    styles = getSampleStyleSheet()
    normal = styles["Normal"]
    if invoice.number:
        title = _("Invoice %(number)s") % {"number": invoice.number}
    else:
        title = _("Invoice request #%(pk)s (not issued)") % {"pk": invoice.pk}
    if invoice.status == "void":
        title += " - " + _("VOID")
        if invoice.credit_note_number:
            title += " " + _("(credit note %(number)s)") % {"number": invoice.credit_note_number}
    story = _header(title, invoice.client, styles)
    story += [
        _p(
            _("Issued: %(date)s") % {"date": _date(invoice.issued_at)}
            if invoice.issued_at
            else _("Not issued: figures as of today"),
            normal,
        ),
        _p(_("Currency: %(currency)s") % {"currency": settings.CURRENCY}, normal),
        Spacer(1, 4 * mm),
        _lines_table(lines, styles, with_discount=True),
        Spacer(1, 4 * mm),
        _tax_summary_table(lines),
        Spacer(1, 4 * mm),
    ]
    totals = [
        (_("Before discount"), invoice.list_total),
        (_("Discount"), -invoice.discount_amount),
        (_("Net total"), invoice.net_total),
        (_("Tax"), invoice.tax_total),
        (_("Total (gross)"), invoice.gross_total),
    ]
    if invoice.credited_total:
        totals.append((_("Credited"), -invoice.credited_total))
    totals.append((_("Paid"), invoice.amount_paid))
    if invoice.amount_refunded:
        totals.append((_("Refunded"), invoice.amount_refunded))
    if invoice.balance < 0:
        totals.append((_("Due back to you"), -invoice.balance))
    else:
        totals.append((_("Balance due"), invoice.balance))
    story += [_totals_table(totals, bold_row=4), Spacer(1, 4 * mm)]
    credit_notes = [n for n in invoice.credit_notes.all() if n.number]
    if credit_notes:
        story.append(
            _p(
                _("Credit notes:") + " " + ", ".join(f"{n.number} ({_amount(n.gross_total)})" for n in credit_notes),
                normal,
            )
        )
    story += [Spacer(1, 4 * mm), _p(_("Payment to %(bank)s") % {"bank": settings.COMPANY["bank"]}, normal)]
    if invoice.note:
        story += [_p(_("Note: %(note)s") % {"note": invoice.note}, normal)]
    return _render(story, title=_("Invoice %(number)s") % {"number": invoice.number or ""})


def invoice_pdf_response(invoice) -> HttpResponse:
    """The PDF as a download, for the invoice page and the API alike."""
    body = invoice_pdf(invoice, selectors.invoice_lines(invoice=invoice))
    return _download(body, f"invoice-{invoice.number or f'request-{invoice.pk}'}.pdf")


def credit_note_pdf(note) -> bytes:
    """A credit note: what it credits, line by line with tax, and the invoice it corrects (in the client's
    language)."""
    with translation.override(getattr(note.invoice.client, "language", "") or settings.LANGUAGE_CODE):
        return _credit_note_pdf(note)


def _credit_note_pdf(note) -> bytes:
    styles = getSampleStyleSheet()
    normal = styles["Normal"]
    lines = list(note.lines.all())
    if note.number:
        title = _("Credit note %(number)s") % {"number": note.number}
    else:
        title = _("Credit note request #%(pk)s (not issued)") % {"pk": note.pk}
    invoice = note.invoice
    story = _header(title, invoice.client, styles)
    story += [
        _p(
            _("Corrects invoice %(number)s of %(date)s") % {"number": invoice.number, "date": _date(invoice.issued_at)},
            styles["Heading3"],
        ),
        _p(
            _("Reason: %(reason)s") % {"reason": note.get_reason_display()} + (f" - {note.note}" if note.note else ""),
            normal,
        ),
        _p(
            _("Issued: %(date)s") % {"date": _date(note.issued_at)} if note.issued_at else _("Not issued yet"),
            normal,
        ),
        _p(_("Currency: %(currency)s") % {"currency": settings.CURRENCY}, normal),
        Spacer(1, 4 * mm),
        _lines_table(lines, styles, with_discount=False),
        Spacer(1, 4 * mm),
        _tax_summary_table(lines),
        Spacer(1, 4 * mm),
        _totals_table(
            [
                (_("Net credited"), note.net_total),
                (_("Tax credited"), note.tax_total),
                (_("Total credited"), note.gross_total),
            ],
            bold_row=2,
        ),
    ]
    return _render(story, title=_("Credit note %(number)s") % {"number": note.number or ""})


def credit_note_pdf_response(note) -> HttpResponse:
    return _download(credit_note_pdf(note), f"credit-note-{note.number or f'request-{note.pk}'}.pdf")


def _render(story: list, *, title: str) -> bytes:
    """The document of `story` on A4 with the company's margins."""
    buffer = BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm, title=title).build(story)
    return buffer.getvalue()


def _download(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
