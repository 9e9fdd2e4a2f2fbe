"""Print batch exports: a PDF with one letter per page, and the mailing list as CSV."""

import io
from xml.sax.saxutils import escape

from django.conf import settings
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer

from . import registry


def _para(text: str, style) -> Paragraph:
    """Reportlab paragraphs read a small markup language: escape everything, keep the line breaks."""
    return Paragraph(escape(text or "").replace("\n", "<br/>"), style)


def _with_recipients(letters) -> list[tuple]:
    """(row, {"name", "address"}) per letter, sorted by name, from the lookups the apps registered."""
    letters = list(letters)
    found = registry.recipients(letters)
    pairs = [(row, found.get(row.pk, {"name": "", "address": ""})) for row in letters]
    return sorted(pairs, key=lambda pair: (pair[1]["name"], pair[0].pk))


def print_batch_pdf(batch, letters) -> bytes:
    styles = getSampleStyleSheet()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm, title=f"Batch {batch.pk}")
    company = settings.COMPANY
    story = []
    for i, (row, to) in enumerate(_with_recipients(letters)):
        if i:
            story.append(PageBreak())
        story.append(_para(f"{company['name']}\n{company['address']}", styles["Normal"]))
        story.append(Spacer(1, 12 * mm))
        story.append(_para(f"{to['name']}\n{to['address']}", styles["Normal"]))
        story.append(Spacer(1, 12 * mm))
        story.append(_para(row.subject, styles["Heading2"]))
        story.append(_para(row.body, styles["Normal"]))
    if not story:
        story.append(_para("This batch has no letters.", styles["Normal"]))
    doc.build(story)
    return buffer.getvalue()


MAILING_LIST_HEADER = ["notification_id", "client_id", "name", "address", "event", "subject"]


def print_batch_rows(letters):
    """The mailing list's rows; crm/exports.py writes them (formula cells escaped)."""
    for row, to in _with_recipients(letters):
        yield (row.pk, row.client_id, to["name"], to["address"], row.event, row.subject)
