"""Demo of versioned service targets: "Quick questions" complaints of low severity had 8 working hours to a first
response, tightened to 6 before the last quarter; last quarter a dozen were answered within two working hours,
so the standards page proposes tightening it again (to 2 hours)."""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from crm.standards import services as standard_services
from crm.standards import targets as versioned_targets
from crm.standards.calendar import current_calendar

from . import services, standards
from .models import Complaint, ComplaintCategory
from .services.clocks import target_key


def seed(*, rng, clients, admin) -> int:
    if Complaint.objects.filter(external_id__startswith="DEMO-T-").exists() or admin is None or not clients:
        return 0
    category = ComplaintCategory.objects.filter(code="quick-questions").first() or standards.category_save(
        name="Quick questions", code="quick-questions"
    )
    target = standards.target_set(
        kind="complaint",
        severity="low",
        category=category,
        first_response_hours=Decimal("8"),
        resolution_hours=Decimal("40"),
    )
    start, end = versioned_targets.last_quarter(timezone.localdate())
    standard_services.target_version_create(
        key=target_key(target.pk, "first_response"),
        hours=Decimal("6"),
        by=admin,
        note="demo: answered faster than promised all year",
        now=start - timedelta(days=10),
    )
    calendar = current_calendar()
    days = [
        start.date() + timedelta(days=n)
        for n in range((end - start).days)
        if calendar.is_working_day(start.date() + timedelta(days=n))
    ]
    S = Complaint.Status
    made = 0
    for i, day in enumerate(rng.sample(days, k=min(12, len(days)))):
        created = timezone.make_aware(datetime.combine(day, time(10, 0)))
        client = rng.choice(clients)
        complaint = services.complaint_create(
            client=client,
            text="Which paper weight suits our new laser printer?",
            channel="phone",
            kind="complaint",
            severity="low",
            category=category,
            by=admin,
            external_id=f"DEMO-T-{i + 1:03d}",
            created_at=created,
            contact_email=client.email,
        )
        services.complaint_transition(
            complaint=complaint, to_status=S.IN_PROGRESS, by=admin, now=created + timedelta(hours=1 + i % 2)
        )
        services.complaint_transition(
            complaint=complaint,
            to_status=S.RESOLVED,
            by=admin,
            resolution_note="Explained and sent the spec sheet.",
            root_cause=Complaint.RootCause.EXPECTATION,
            now=created + timedelta(hours=3),
        )
        made += 1
    return made
