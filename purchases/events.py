"""The purchases' domain events for webhook subscribers (crm.notifications.webhooks): ids, states and money
figures only; the receiver reads the rest through the API. Ledger events (a sale, a return, a tier change) are
ordered per client, so a subscriber sees a sale before the tier change it caused; invoice events per
invoice. Each is written in the transaction of its cause."""

from crm.notifications.webhooks import event_emit

ENTRY_EVENTS = {"sale": "purchase.recorded", "return": "purchase.returned"}


def entry_recorded(entry) -> None:
    event_type = ENTRY_EVENTS.get(entry.kind)
    if event_type is None:  # discount corrections are not in the catalogue of events
        return
    event_emit(
        event_type,
        entity=f"client:{entry.client_id}",
        data={
            "id": entry.pk,
            "client": entry.client_id,
            "kind": entry.kind,
            "original": entry.original_id,
            "external_id": entry.external_id,
            "net_total": str(entry.net_total),
            "purchased_at": entry.purchased_at.isoformat(),
        },
    )


def tier_changed(change) -> None:
    event_emit(
        "tier.changed",
        entity=f"client:{change.client_id}",
        data={
            "client": change.client_id,
            "direction": change.direction,
            "cause": change.cause,
            "from_tier": change.from_tier_id,
            "to_tier": change.to_tier_id,
            "total_after": str(change.total_after),
        },
    )


def invoice_event(event_type: str, invoice) -> None:
    event_emit(
        event_type,
        entity=f"invoice:{invoice.pk}",
        data={
            "id": invoice.pk,
            "client": invoice.client_id,
            "number": invoice.number,
            "status": invoice.status,
            "gross_total": str(invoice.gross_total),
            "balance": str(invoice.balance),
        },
    )
