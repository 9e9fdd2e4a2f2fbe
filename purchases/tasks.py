from celery import shared_task

PERIODIC_TASKS = {
    "Recompute discount totals (rolling window)": ("purchases.tasks.recompute_totals", {"minute": "30", "hour": "2"}),
    "Reconcile accounts, invoices and number series": ("purchases.tasks.reconcile", {"minute": "15", "hour": "3"}),
    "Remind accountants of overdue invoice requests": ("purchases.tasks.remind_overdue_invoices", {"minute": "*/15"}),
}


@shared_task(name="purchases.tasks.recompute_totals")
def recompute_totals() -> int:
    """Daily: recompute every client's total under the policy's basis; with a rolling window tiers can drop."""
    from . import services

    return services.client_accounts_recompute_all()


@shared_task(name="purchases.tasks.remind_overdue_invoices")
def remind_overdue_invoices() -> int:
    from . import services

    return services.invoices_remind_overdue()


@shared_task(name="purchases.tasks.reconcile")
def reconcile() -> int:
    """Nightly, after the rolling-window recompute: run the reconciliation checks; returns the mismatch count."""
    from . import services

    return services.reconciliation_run().mismatch_count
