from celery import shared_task

PERIODIC_TASKS = {
    "Recompute discount totals (rolling window)": ("purchases.tasks.recompute_totals", {"minute": "30", "hour": "2"}),
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
