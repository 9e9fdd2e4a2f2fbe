"""Reconciliation checks: does what we store agree with the rows it is made of? Reads only; the nightly job
and the "run now" button run them through `services.reconciliation_run`, which keeps the result.

A check is a function returning a list of mismatches, each a JSON-ready dict naming the offending rows:
`{"check", "message", "rows": [{"model": "purchases.Invoice", "id": 7, "label": "2026-000007"}], ...}`.
Checks are registered by name with `@check("name")` (or `register_check`); invoices and credit notes each
have theirs, and both number series go through `series_mismatches`."""

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import UTC, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import DecimalField, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from crm.money import money
from crm.notifications.models import Notification

from .models import (
    CreditNote,
    CreditNoteCounter,
    CreditNoteLine,
    DiscountPolicy,
    Invoice,
    InvoiceCounter,
    InvoiceLine,
    InvoicePayment,
    PurchaseLine,
    Refund,
)
from .services.accounts import window_start
from .services.credit_notes import CREDIT_NOTE_PREFIX
from .services.pricing import tier_for_total, tiers_ordered
from .services.sending import CREDIT_NOTE_EVENT, INVOICE_EVENT

Mismatch = dict
CHECKS: dict[str, Callable[[], list[Mismatch]]] = {}
# The nightly recompute moves a rolling window once a day; a window older than this is stale.
WINDOW_SLACK = timedelta(hours=36)


def register_check(name: str, run: Callable[[], list[Mismatch]]) -> None:
    CHECKS[name] = run


def check(name: str):
    def decorate(run):
        register_check(name, run)
        return run

    return decorate


def row(model: str, pk, label: str = "") -> dict:
    return {"model": model, "id": pk, "label": label or f"#{pk}"}


def mismatch(name: str, message: str, rows: list[dict], **details) -> Mismatch:
    return {"check": name, "message": message, "rows": rows, **{k: str(v) for k, v in details.items()}}


def run_checks(names: Iterable[str] | None = None) -> tuple[list[str], list[Mismatch]]:
    """Run the registered checks (or those named); a check that fails is itself reported as a mismatch."""
    ran, found = [], []
    for name in names or list(CHECKS):
        ran.append(name)
        try:
            found.extend(CHECKS[name]())
        except Exception as exc:  # a broken check must not hide the others' findings
            found.append(mismatch(name, f"The check could not run: {exc.__class__.__name__}: {exc}", []))
    return ran, found


# --- client accounts ---------------------------------------------------------------------------------------

# Each account against the sum of its ledger (the client's and, after a merge, the entries of the clients merged
# into it: the lineage), counted as entry_write and client_account_recompute count it:
# the entries dated inside the account's window (all of them when it has none), plus the tier the stored total
# reaches. SQL narrows to suspects; Python compares exactly (SQLite sums decimals as floats).
ACCOUNTS_SQL = """
SELECT a.id, a.client_id, a.cumulative_total, a.tier_id, a.window_start, t.ledger_total, t.expected_tier FROM (
    SELECT a2.id,
           COALESCE((SELECT SUM(p.net_total) FROM purchases_purchase p
                     WHERE p.client_id IN (SELECT c.id FROM clients_client c
                                           WHERE c.id = a2.client_id OR c.merged_into_id = a2.client_id)
                       AND (a2.window_start IS NULL OR p.purchased_at >= a2.window_start)), 0) AS ledger_total,
           (SELECT d.id FROM purchases_discounttier d WHERE d.threshold <= a2.cumulative_total
            ORDER BY d.threshold DESC LIMIT 1) AS expected_tier
    FROM purchases_clientaccount a2
) t JOIN purchases_clientaccount a ON a.id = t.id
WHERE a.cumulative_total <> t.ledger_total
   OR COALESCE(a.tier_id, 0) <> COALESCE(t.expected_tier, 0)
   OR (%s AND a.window_start IS NOT NULL)
   OR (%s AND (a.window_start IS NULL OR a.window_start < %s))
ORDER BY a.client_id
"""
ORPHAN_LEDGER_SQL = """
SELECT COALESCE(c.merged_into_id, p.client_id), SUM(p.net_total), MIN(p.id)
FROM purchases_purchase p JOIN clients_client c ON c.id = p.client_id
WHERE NOT EXISTS (SELECT 1 FROM purchases_clientaccount a WHERE a.client_id = COALESCE(c.merged_into_id, p.client_id))
GROUP BY COALESCE(c.merged_into_id, p.client_id) ORDER BY 1
"""


@check("client_accounts")
def client_accounts() -> list[Mismatch]:
    """Each ClientAccount's cumulative_total equals the sum of its ledger under the discount policy, its tier is
    the one that total reaches, and its window is the policy's (none for lifetime; for a rolling window, no
    older than the last nightly recompute). Clients with ledger entries but no account are reported too."""
    name = "client_accounts"
    policy = DiscountPolicy.objects.filter(pk=1).first() or DiscountPolicy()  # read only: no get_or_create
    rolling = policy.basis == DiscountPolicy.Basis.ROLLING
    stale_before = window_start(policy) - WINDOW_SLACK
    tiers = tiers_ordered()
    names = {t.pk: str(t) for t in tiers}
    found = []
    with connection.cursor() as cursor:
        cursor.execute(ACCOUNTS_SQL, [not rolling, rolling, stale_before])
        rows = cursor.fetchall()
        cursor.execute(ORPHAN_LEDGER_SQL)
        orphans = cursor.fetchall()
    for pk, client_id, total, tier_id, window, ledger_total, _ in rows:
        window = _aware(window)
        total, ledger_total = money(str(total)), money(str(ledger_total or 0))
        account = row("purchases.ClientAccount", pk, f"account of client #{client_id}")
        client = row("clients.Client", client_id)
        if total != ledger_total:
            found.append(
                mismatch(
                    name,
                    f"Client #{client_id}: the account says {total}, the ledger sums to {ledger_total}.",
                    [account, client],
                    stored=total,
                    expected=ledger_total,
                )
            )
        expected_tier = tier_for_total(ledger_total, tiers)
        if (expected_tier.pk if expected_tier else None) != tier_id:
            found.append(
                mismatch(
                    name,
                    f"Client #{client_id}: the account's tier is {names.get(tier_id, 'none')}, "
                    f"a total of {ledger_total} reaches {expected_tier or 'none'}.",
                    [account, client],
                    stored=names.get(tier_id, "none"),
                    expected=expected_tier or "none",
                )
            )
        if (window is not None) != rolling or (rolling and window < stale_before):
            found.append(
                mismatch(
                    name,
                    f"Client #{client_id}: the account's window ({window or 'lifetime'}) is not the policy's "
                    f"({policy.get_basis_display().lower()}); the nightly recompute has not caught up.",
                    [account, client],
                )
            )
    for client_id, ledger_total, first_entry in orphans:
        found.append(
            mismatch(
                name,
                f"Client #{client_id} has ledger entries ({money(str(ledger_total))}) but no account.",
                [row("clients.Client", client_id), row("purchases.Purchase", first_entry)],
            )
        )
    return found


def _aware(value):
    """A datetime read by raw SQL: SQLite hands back text or a naive UTC value, PostgreSQL an aware one."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, UTC)
    return value


# --- invoices ----------------------------------------------------------------------------------------------


def _sum(path: str) -> Coalesce:
    return Coalesce(Sum(path), Value(Decimal("0")), output_field=DecimalField(max_digits=14, decimal_places=2))


def _lines_sum(model, parent: str, field: str) -> Coalesce:
    """The sum of `field` over the document's lines (a subquery, so several sums do not multiply rows)."""
    return Coalesce(
        Subquery(model.objects.filter(**{parent: OuterRef("pk")}).values(parent).annotate(s=Sum(field)).values("s")),
        Value(Decimal("0")),
        output_field=DecimalField(max_digits=14, decimal_places=2),
    )


TOTALS = ("discount_amount", "net_total", "tax_total", "gross_total")
LINE_OF_TOTAL = {
    "discount_amount": "discount_amount",
    "net_total": "net_amount",
    "tax_total": "tax_amount",
    "gross_total": "gross_amount",
}


def _document_totals(name: str, queryset, line_model, parent: str, totals, label_of) -> list[Mismatch]:
    """Documents whose stored totals differ from the sums of their lines (SQL narrows, Python compares)."""
    annotations = {f"lines_{t}": _lines_sum(line_model, parent, LINE_OF_TOTAL[t]) for t in totals}
    differs = Q()
    for t in totals:
        differs |= ~Q(**{t: F(f"lines_{t}")})
    found = []
    for values in queryset.annotate(**annotations).filter(differs).values("pk", "number", *totals, *annotations):
        stored = {t: values[t] for t in totals}
        lines = {t: money(str(values[f"lines_{t}"])) for t in totals}
        if stored == lines:
            continue
        label = label_of(values)
        what = ", ".join(f"{t} {stored[t]} (lines {lines[t]})" for t in totals if stored[t] != lines[t])
        found.append(
            mismatch(
                name,
                f"{label}: {what}.",
                [row(queryset.model._meta.label, values["pk"], values["number"] or "")],
                stored=stored["gross_total"],
                expected=lines["gross_total"],
            )
        )
    return found


@check("invoice_totals")
def invoice_totals() -> list[Mismatch]:
    """Each issued invoice's discount, net, tax and gross totals equal the sums of its InvoiceLine rows (written
    from the ledger at issue), and its credited total equals its issued credit notes."""
    name = "invoice_totals"
    found = _document_totals(
        name,
        Invoice.objects.filter(number__isnull=False),
        InvoiceLine,
        "invoice",
        TOTALS,
        lambda v: f"Invoice {v['number']}",
    )
    credited = Coalesce(
        Subquery(
            CreditNote.objects.filter(invoice=OuterRef("pk"), status=CreditNote.Status.ISSUED)
            .values("invoice")
            .annotate(s=Sum("gross_total"))
            .values("s")
        ),
        Value(Decimal("0")),
        output_field=DecimalField(max_digits=14, decimal_places=2),
    )
    for pk, number, stored, notes in (
        Invoice.objects.annotate(notes_total=credited)
        .filter(~Q(credited_total=F("notes_total")))
        .values_list("pk", "number", "credited_total", "notes_total")
        .order_by("pk")
    ):
        notes = money(str(notes))
        if stored != notes:
            found.append(
                mismatch(
                    name,
                    f"Invoice {number or f'request #{pk}'}: credited {stored}, its issued credit notes sum to {notes}.",
                    [row("purchases.Invoice", pk, number or "")],
                    stored=stored,
                    expected=notes,
                )
            )
    return found


@check("credit_note_totals")
def credit_note_totals() -> list[Mismatch]:
    """Each credit note's net, tax and gross totals equal the sums of its lines; one that follows a ledger entry
    (a return or a correction) credits exactly what that entry took off the invoiced sale lines (in the price
    basis: net, or gross when prices include tax); no credit note credits more than its invoice."""
    name = "credit_note_totals"

    def label(v):
        return f"Credit note {v['number'] or '#' + str(v['pk'])}"

    found = _document_totals(name, CreditNote.objects.all(), CreditNoteLine, "credit_note", TOTALS[1:], label)
    basis = "gross_total" if settings.PRICES_INCLUDE_TAX else "net_total"
    taken_off = Coalesce(
        Subquery(
            PurchaseLine.objects.filter(
                purchase_id=OuterRef("entry_id"), original_line__invoice_lines__invoice_id=OuterRef("invoice_id")
            )
            .values("purchase_id")
            .annotate(s=Sum("net_amount"))
            .values("s")
        ),
        Value(Decimal("0")),
        output_field=DecimalField(max_digits=14, decimal_places=2),
    )
    for pk, number, entry_id, stored, entry_total in (
        CreditNote.objects.filter(entry__isnull=False)
        .annotate(entry_total=taken_off)
        .values_list("pk", "number", "entry_id", basis, "entry_total")
        .order_by("pk")
    ):
        expected = -money(str(entry_total))
        if stored != expected:
            found.append(
                mismatch(
                    name,
                    f"{label({'pk': pk, 'number': number})} credits {stored}, but its ledger entry #{entry_id} "
                    f"took {expected} off the invoiced lines.",
                    [row("purchases.CreditNote", pk, number or ""), row("purchases.Purchase", entry_id)],
                    stored=stored,
                    expected=expected,
                )
            )
    over = (
        Invoice.objects.filter(number__isnull=False)
        .annotate(notes=_lines_sum(CreditNote, "invoice", "gross_total"))
        .filter(notes__gt=F("gross_total"))
        .values_list("pk", "number", "gross_total", "notes")
    )
    for pk, number, gross, notes in over:
        if money(str(notes)) > gross:
            found.append(
                mismatch(
                    name,
                    f"Invoice {number}: its credit notes ({money(str(notes))}) credit more than it ({gross}).",
                    [row("purchases.Invoice", pk, number)],
                )
            )
    return found


@check("invoice_payments")
def invoice_payments() -> list[Mismatch]:
    """Each invoice's amount_paid and amount_refunded equal the sums of its payment and refund rows (refunds
    against its credit notes included: they are recorded on the invoice)."""
    name = "invoice_payments"

    def total(model):
        return Coalesce(
            Subquery(
                model.objects.filter(invoice=OuterRef("pk")).values("invoice").annotate(s=Sum("amount")).values("s")
            ),
            Value(Decimal("0")),
            output_field=DecimalField(max_digits=14, decimal_places=2),
        )

    invoices = (
        Invoice.objects.annotate(payments_total=total(InvoicePayment), refunds_total=total(Refund))
        .filter(~Q(amount_paid=F("payments_total")) | ~Q(amount_refunded=F("refunds_total")))
        .values_list("pk", "number", "amount_paid", "payments_total", "amount_refunded", "refunds_total")
        .order_by("pk")
    )
    found = []
    for pk, number, paid, payments, refunded, refunds in invoices:
        payments, refunds = money(str(payments)), money(str(refunds))
        label = number or f"request #{pk}"
        if paid != payments:
            found.append(
                mismatch(
                    name,
                    f"Invoice {label}: amount paid {paid}, its payments sum to {payments}.",
                    [row("purchases.Invoice", pk, label)],
                    stored=paid,
                    expected=payments,
                )
            )
        if refunded != refunds:
            found.append(
                mismatch(
                    name,
                    f"Invoice {label}: amount refunded {refunded}, its refunds sum to {refunds}.",
                    [row("purchases.Invoice", pk, label)],
                    stored=refunded,
                    expected=refunds,
                )
            )
    return found


@check("credit_note_refunds")
def credit_note_refunds() -> list[Mismatch]:
    """A refund against a credit note is recorded on that note's invoice, and the refunds against a note never
    exceed it."""
    name = "credit_note_refunds"
    found = []
    for pk, invoice_id, note_id, note_invoice in (
        Refund.objects.filter(credit_note__isnull=False)
        .exclude(invoice_id=F("credit_note__invoice_id"))
        .values_list("pk", "invoice_id", "credit_note_id", "credit_note__invoice_id")
    ):
        found.append(
            mismatch(
                name,
                f"Refund #{pk} is against credit note #{note_id} of invoice #{note_invoice} but on invoice "
                f"#{invoice_id}.",
                [row("purchases.Refund", pk), row("purchases.CreditNote", note_id)],
            )
        )
    for pk, number, gross, refunds in (
        CreditNote.objects.annotate(refunds_total=_lines_sum(Refund, "credit_note", "amount"))
        .filter(refunds_total__gt=F("gross_total"))
        .values_list("pk", "number", "gross_total", "refunds_total")
    ):
        if money(str(refunds)) > gross:
            found.append(
                mismatch(
                    name,
                    f"Credit note {number}: refunds {money(str(refunds))} exceed it ({gross}).",
                    [row("purchases.CreditNote", pk, number or "")],
                )
            )
    return found


@check("invoice_sending")
def invoice_sending() -> list[Mismatch]:
    """An invoice still waiting for its email while the outbox already finished that message (the delivery
    listener did not run: a worker stopped between the two)."""
    name = "invoice_sending"
    queued = dict(Invoice.objects.filter(send_state=Invoice.SendState.QUEUED).values_list("pk", "send_attempts"))
    if not queued:
        return []
    finished = Notification.objects.filter(
        event=INVOICE_EVENT,
        status__in=[Notification.Status.SENT, Notification.Status.FAILED, Notification.Status.SKIPPED],
        context__invoice_id__in=list(queued),
    ).values_list("pk", "status", "context")
    found = []
    for pk, status, context in finished:
        invoice_id = context.get("invoice_id")
        if context.get("send_attempt") == queued.get(invoice_id):
            found.append(
                mismatch(
                    name,
                    f"Invoice #{invoice_id} still waits for its email, which the outbox marked {status}.",
                    [row("purchases.Invoice", invoice_id), row("notifications.Notification", pk)],
                )
            )
    queued_notes = dict(
        CreditNote.objects.filter(send_state=Invoice.SendState.QUEUED).values_list("pk", "send_attempts")
    )
    if queued_notes:
        for pk, status, context in Notification.objects.filter(
            event=CREDIT_NOTE_EVENT,
            status__in=[Notification.Status.SENT, Notification.Status.FAILED, Notification.Status.SKIPPED],
            context__credit_note_id__in=list(queued_notes),
        ).values_list("pk", "status", "context"):
            note_id = context.get("credit_note_id")
            if context.get("send_attempt") == queued_notes.get(note_id):
                found.append(
                    mismatch(
                        name,
                        f"Credit note #{note_id} still waits for its email, which the outbox marked {status}.",
                        [row("purchases.CreditNote", note_id), row("notifications.Notification", pk)],
                    )
                )
    return found


# --- number series -----------------------------------------------------------------------------------------

NUMBER = re.compile(r"^(\d{4})-(\d+)$")


def _ranges(numbers: list[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for n in sorted(numbers):
        if out and n == out[-1][1] + 1:
            out[-1] = (out[-1][0], n)
        else:
            out.append((n, n))
    return out


def series_mismatches(
    name: str, *, numbers: Iterable[tuple[str, dict]], counters: dict[int, int], width: int = 6, prefix: str = ""
) -> list[Mismatch]:
    """A yearly series `<prefix>YYYY-NNNNNN` is gapless and unique: every number from 1 to the year's counter is
    used exactly once and none beyond it. `numbers`: (number, row naming who holds it); `counters`: year ->
    last."""
    used: dict[int, dict[int, list[dict]]] = defaultdict(lambda: defaultdict(list))
    found = []
    for number, holder in numbers:
        number = number or ""
        match = NUMBER.match(number[len(prefix) :]) if number.startswith(prefix) else None
        if not match:
            found.append(mismatch(name, f"{number!r} is not a number of the series.", [holder]))
            continue
        used[int(match[1])][int(match[2])].append(holder)
    for year in sorted(set(used) | set(counters)):
        seen, last = used.get(year, {}), counters.get(year, 0)

        def label(n, year=year):
            return f"{prefix}{year}-{n:0{width}d}"

        for n, holders in sorted(seen.items()):
            if len(holders) > 1:
                found.append(mismatch(name, f"{label(n)} is used {len(holders)} times.", holders, number=label(n)))
            if n > last:
                found.append(
                    mismatch(name, f"{label(n)} is beyond the year's counter ({last}).", holders, number=label(n))
                )
        missing = sorted(set(range(1, last + 1)) - set(seen))
        for start, end in _ranges(missing):
            neighbours = [h for n in (start - 1, end + 1) for h in seen.get(n, [])]
            what = label(start) if start == end else f"{label(start)} to {label(end)}"
            found.append(mismatch(name, f"Gap in the series: {what} is missing.", neighbours, missing=what))
    return found


@check("invoice_series")
def invoice_series() -> list[Mismatch]:
    """The invoice numbers, and the legacy credit-note numbers of invoices voided before credit notes had their
    own series (they were taken from the invoice series, so they stay counted in it; new voids never set one)."""
    numbers = []
    for pk, number, credit in Invoice.objects.filter(Q(number__isnull=False) | Q(credit_note_number__isnull=False))\
            .values_list("pk", "number", "credit_note_number"):  # fmt: skip
        if number:
            numbers.append((number, row("purchases.Invoice", pk, number)))
        if credit:
            numbers.append((credit, row("purchases.Invoice", pk, f"credit note {credit} of invoice {number}")))
    counters = dict(InvoiceCounter.objects.values_list("year", "last_number"))
    return series_mismatches("invoice_series", numbers=numbers, counters=counters)


@check("credit_note_series")
def credit_note_series() -> list[Mismatch]:
    """The credit notes' own yearly series CN-YYYY-NNNNNN against CreditNoteCounter."""
    numbers = [
        (number, row("purchases.CreditNote", pk, number))
        for pk, number in CreditNote.objects.filter(number__isnull=False).values_list("pk", "number")
    ]
    counters = dict(CreditNoteCounter.objects.values_list("year", "last_number"))
    return series_mismatches("credit_note_series", numbers=numbers, counters=counters, prefix=CREDIT_NOTE_PREFIX)


def snapshot_ready() -> None:
    """On PostgreSQL, make the current (fresh) transaction one read-only snapshot, so every check sees the same
    moment while sales and invoices keep being written."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
