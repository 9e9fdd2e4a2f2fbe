"""Demo complaints: calendar, holidays, categories, targets, standard documents with acknowledgements, teams,
~60 complaints across kinds and states for the seeded clients (some breached), goodwill and survey answers.
Idempotent: skipped when demo complaints exist."""

from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from clients.models import Client
from crm.standards import services as standard_services
from crm.standards.models import BusinessCalendar, Holiday
from crm.standards.selectors import service_targets
from purchases import selectors as purchase_selectors

from . import services, standards, target_demo
from .models import Complaint, ComplaintCategory, Team

CATEGORIES = [
    ("Delivery", "delivery", "maria", None),
    ("Product quality", "product-quality", "tom", None),
    ("Billing and invoices", "billing", "lena", Decimal("35.00")),
    ("Staff conduct", "staff-conduct", "victor", Decimal("60.00")),
    ("Website and ordering", "website", "omar", None),
]
TARGETS = [  # kind, severity, first response h, resolution h
    ("complaint", "critical", 1, 8),
    ("complaint", "high", 2, 16),
    ("complaint", "medium", 4, 24),
    ("complaint", "low", 8, 40),
    ("claim", "high", 2, 24),
    ("claim", "medium", 4, 40),
    ("objection", "medium", 4, 16),
    ("suggestion", "low", 16, 80),
    ("praise", "low", 16, 40),
]
DOCUMENTS = [
    ("quality_standard", "Service quality standard", "Answer every message within the target time..."),
    ("code_of_conduct", "Code of conduct", "Be courteous, honest and discreet with clients and colleagues."),
    ("sales_script", "Sales card: handling a delivery complaint", "1. Thank. 2. Apologise. 3. Offer a fix."),
    ("sales_script", "Sales card: invoice questions", "Confirm the invoice number, explain each line..."),
    ("memo", "Winter delivery memo", "Expect one extra day for deliveries outside the city in December."),
    ("dress_code", "Dress code", "Smart casual; company badge visible in the showroom."),
    ("conflict_procedure", "Conflict-handling procedure", "Listen, acknowledge, never argue, escalate when..."),
]
TEXTS = {
    "complaint": [
        "The pallet of A4 paper arrived wet and half of the reams are ruined.",
        "Delivery came two days late and nobody called us.",
        "The toner cartridges leak; the second box had the same problem.",
        "The driver was rude and left the boxes in the rain.",
        "We were charged twice for the same order.",
    ],
    "claim": [
        "Please refund the damaged reams from our last order.",
        "The invoice total is wrong; we claim the difference back.",
    ],
    "objection": ["The new delivery fee is too high for our volume.", "Your prices rose 8% without notice."],
    "suggestion": ["Could you offer a recycled paper line?", "An online order history would help us a lot."],
    "praise": ["Tom sorted out our urgent print order in an hour — thank you!", "Great service at the showroom."],
}
ROOT = {
    "delivery": "delivery",
    "product-quality": "product_defect",
    "billing": "billing",
    "staff-conduct": "staff_conduct",
    "website": "process",
}


def seed(*, rng, stdout) -> None:
    if Complaint.objects.filter(external_id__startswith="DEMO-C-").exists():
        stdout.write("Complaints: already seeded.")
        return
    clients = list(Client.objects.filter(merged_into__isnull=True).select_related("manager").order_by("id")[:300])
    products = list(purchase_selectors.product_list(active_only=True)[:40])
    if not clients:
        stdout.write("Complaints: no clients to complain; skipped.")
        return
    User = get_user_model()
    users = {
        u.username: u for u in User.objects.filter(username__in=["maria", "tom", "lena", "omar", "petra", "victor"])
    }
    admin = users.get("victor") or User.objects.filter(is_superuser=True).first()
    handlers = [users[n] for n in ("maria", "tom", "lena", "omar") if n in users] or ([admin] if admin else [])
    if not handlers:
        stdout.write("Complaints: no staff; skipped.")
        return
    with transaction.atomic():
        _standards(users, admin, rng)
        categories = list(ComplaintCategory.objects.all())
        made = _complaints(rng, clients, categories, handlers, products)
        public = _public_complaints(clients)
        versioned = target_demo.seed(rng=rng, clients=clients, admin=admin)
    stdout.write(
        f"Complaints: standards, {len(categories)} categories and {made} complaints created; {public} from the "
        "public form, some waiting in triage for staff to confirm whose they are; "
        f"{versioned} answered against a target with two versions (the standards page proposes a tighter one)."
    )


def _public_complaints(clients) -> int:
    """Anonymous complaints from the web form and inbound email: ones whose details match a client wait in the
    triage queue (Complaints > Whose is it?); one is from a stranger; one match was already confirmed."""
    shown = [
        (clients[0], "web_form", "The toner you sent does not fit our printer.", "Ann from accounts"),
        (clients[1], "web_form", "Our delivery came two days late again.", ""),
        (clients[2], "inbound_email", "The invoice lists paper we never received.", ""),
        (clients[3], "web_form", "Please call me about the damaged boxes.", "J. Smith"),
    ]
    made = 0
    for i, (client, channel, text, name) in enumerate(shown):
        details = {"contact_email": client.email} if client.email else {"contact_phone": client.phone}
        complaint = services.complaint_create(
            text=text,
            channel=channel,
            contact_name=name or client.name,
            external_id=f"DEMO-P-{i + 1:03d}",
            **details,
        )
        made += 1
        if i == 3 and complaint.suggested_client_id and client.manager_id:
            services.complaint_match_confirm(complaint=complaint, by=client.manager, note="called back: it is them")
    services.complaint_create(
        text="Your website checkout rejects my card.",
        channel="web_form",
        contact_name="A. Stranger",
        contact_email="stranger@example.net",
        external_id="DEMO-P-005",
    )
    return made + 1


def _standards(users, admin, rng) -> None:
    BusinessCalendar.objects.get_or_create(pk=1, defaults={"working_weekdays": [1, 2, 3, 4, 5]})
    year = timezone.localdate().year
    for day, name in [
        (date(year, 1, 1), "New Year's Day"),
        (date(year, 12, 25), "Christmas Day"),
        (date(year, 12, 26), "Boxing Day"),
        (date(year, 5, 1), "May Day"),
    ]:
        if not Holiday.objects.filter(date=day).exists():
            standard_services.holiday_add(day=day, name=name)
    targets = service_targets()
    targets.supervisor = admin
    targets.save(update_fields=["supervisor"])
    documents = {}
    for kind, title, body in DOCUMENTS:
        documents[title] = standard_services.document_create(kind=kind, title=title, body=body, by=admin)
    standard_services.document_publish(
        document=documents["Service quality standard"],
        body=DOCUMENTS[0][2] + " First response within 4 working hours for ordinary complaints.",
        by=admin,
        change_note="tighter first response",
    )
    for user in users.values():
        for document in documents.values():
            document.refresh_from_db()
            if rng.random() < 0.7:
                standard_services.acknowledge(version=document.current_version, user=user)
    scripts = {
        "delivery": documents["Sales card: handling a delivery complaint"],
        "billing": documents["Sales card: invoice questions"],
    }
    for name, code, owner, cost in CATEGORIES:
        standards.category_save(
            name=name,
            code=code,
            owner=users.get(owner),
            script=scripts.get(code),
            standards=[documents["Service quality standard"], documents["Conflict-handling procedure"]],
            handling_cost=cost,
        )
    for kind, severity, first, resolution in TARGETS:
        standards.target_set(
            kind=kind, severity=severity, first_response_hours=Decimal(first), resolution_hours=Decimal(resolution)
        )
    standards.target_set(
        kind="complaint",
        severity="high",
        first_response_hours=Decimal("1"),
        resolution_hours=Decimal("8"),
        category=ComplaintCategory.objects.get(code="staff-conduct"),
    )
    north, south = Team.objects.get_or_create(name="Team North")[0], Team.objects.get_or_create(name="Team South")[0]
    north.members.set([u for n, u in users.items() if n in ("maria", "tom")])
    south.members.set([u for n, u in users.items() if n in ("lena", "omar")])


def _complaints(rng, clients, categories, handlers, products) -> int:
    now = timezone.now()
    kinds = ["complaint"] * 6 + ["claim"] * 2 + ["objection"] * 2 + ["suggestion", "praise"]
    channels = ["phone", "walk_in", "email", "web_form", "api", "inbound_email"]
    S = Complaint.Status
    made = 0
    for i in range(60):
        client = rng.choice(clients)
        kind = rng.choice(kinds)
        category = rng.choice(categories) if kind != "praise" else None
        severity = (
            rng.choice(["low", "medium", "medium", "high", "critical"]) if kind in ("complaint", "claim") else "low"
        )
        if kind == "objection":
            severity = "medium"
        created = now - timedelta(days=rng.randint(0, 120), hours=rng.randint(0, 10))
        created = created.replace(hour=rng.randint(7, 17), minute=rng.choice([0, 15, 30, 45]))
        if created > now:
            created -= timedelta(days=1)
        if i >= 54:  # the latest few are still new
            created = now - timedelta(hours=rng.randint(1, 20))
        complaint = services.complaint_create(
            client=client,
            text=rng.choice(TEXTS[kind]),
            channel=rng.choice(channels),
            kind=kind,
            severity=severity,
            category=category,
            claimed_amount=Decimal(rng.randint(20, 400)) if kind == "claim" else None,
            product=rng.choice(products)
            if products and kind in ("complaint", "claim") and rng.random() < 0.7
            else None,
            by=rng.choice(handlers),
            external_id=f"DEMO-C-{i + 1:03d}",
            created_at=created,
            contact_email=client.email,
        )
        made += 1
        by = complaint.assigned_to or complaint.client.manager or rng.choice(handlers)
        age = now - created
        roll = rng.random()
        if i >= 54 or (age < timedelta(days=2) and roll < 0.5):
            continue  # fresh: new
        step = created + timedelta(hours=rng.choice([1, 2, 3, 6, 30]))
        if step > now:
            continue
        complaint = services.complaint_triage(complaint=complaint, by=by, category=category, severity=severity)
        if roll < 0.15:
            continue  # triaged, waiting for work (some will be breached)
        step += timedelta(hours=rng.choice([1, 2, 5]))
        if step > now:
            continue
        services.complaint_transition(complaint=complaint, to_status=S.IN_PROGRESS, by=by, now=step)
        if roll < 0.25:
            continue
        if roll < 0.32:
            services.complaint_transition(
                complaint=complaint, to_status=S.WAITING, by=by, now=step + timedelta(hours=1)
            )
            continue
        resolved_at = step + timedelta(hours=rng.choice([2, 4, 8, 20, 60]))
        if resolved_at > now:
            continue
        if kind in ("complaint", "claim") and rng.random() < 0.6:
            gesture = rng.choice(["apology_discount", "gift", "free_delivery", "free_next_order", "refund"])
            cost = (
                Decimal(rng.choice([5, 10, 15, 25, 40, 80]))
                if gesture != "refund"
                else complaint.claimed_amount or Decimal("30")
            )
            services.goodwill_add(
                complaint=complaint, kind=gesture, cost=cost, by=by, given_at=resolved_at, note="demo"
            )
        services.complaint_transition(
            complaint=complaint,
            to_status=S.RESOLVED,
            by=by,
            now=resolved_at,
            resolution_note=rng.choice(
                [
                    "Replaced the goods.",
                    "Refunded and apologised.",
                    "Explained and agreed.",
                    "Thanked the client.",
                    "Corrected the invoice.",
                ]
            ),
            root_cause=ROOT.get(category.code if category else "", "other") if rng.random() < 0.9 else "other",
        )
        survey = complaint.surveys.order_by("-id").first()
        if survey and rng.random() < 0.7:
            score = rng.choices([1, 2, 3, 4, 5], weights=[1, 1, 2, 4, 5])[0]
            services.survey_answer(
                token=survey.token,
                score=score,
                recommendation=min(10, max(0, score * 2 + rng.randint(-1, 1))),
                comment=rng.choice(["", "Thanks for the quick help.", "Took too long.", "Friendly staff."]),
            )
            complaint.refresh_from_db()
            if complaint.status == S.RESOLVED and rng.random() < 0.5 and now - resolved_at > timedelta(days=3):
                services.complaint_transition(
                    complaint=complaint, to_status=S.CLOSED, by=by, now=resolved_at + timedelta(days=3)
                )
    services.escalate_breaches(now=now)
    return made
