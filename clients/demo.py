"""Demo client base: segments, ~300 clients with managers, consents, contacts, timelines, tasks and
promises (some overdue). Idempotent: skipped when the demo clients are there."""

from datetime import timedelta

import phonenumbers
from django.contrib.auth import get_user_model
from django.utils import timezone

from . import messaging, messaging_demo, services
from .models import Client, Interaction, PersonalDataAudit, Segment
from .services import personal_data

SEGMENTS = [
    ("Wholesale", "wholesale", "Resellers buying by the pallet."),
    ("Print shop", "print-shop", "Copy and print shops."),
    ("Retail", "retail", "Walk-in and small retail customers."),
    ("Office", "office", "Companies buying office supplies."),
]
MANAGERS = ["maria", "tom", "lena", "omar"]
COUNT = 300
COMPANY_WORDS = [
    ("Northern", "Paper"),
    ("Riverside", "Print"),
    ("Oak", "Office Supplies"),
    ("Bright", "Copy Centre"),
    ("Harbour", "Stationers"),
    ("Summit", "Graphics"),
    ("Maple", "Press"),
    ("Union", "Trading"),
    ("Blue Fox", "Print Studio"),
    ("Greenway", "Office"),
    ("Kingsley", "Wholesale"),
    ("Atlas", "Packaging"),
    ("Crescent", "Design"),
    ("Pioneer", "Books"),
    ("Castle", "Imaging"),
    ("Meadow", "Supplies"),
]
SUFFIXES = ["Ltd", "& Co", "Group", "Partners", "Ltd", "GmbH", "LLP"]
FIRST = [
    "Anna",
    "Ben",
    "Clara",
    "David",
    "Emma",
    "Felix",
    "Grace",
    "Hugo",
    "Isla",
    "Jonas",
    "Kate",
    "Liam",
    "Mia",
    "Noah",
    "Olivia",
    "Paul",
    "Rosa",
    "Sam",
    "Tara",
    "Victor",
    "Zoe",
    "Ahmed",
    "Priya",
    "Chen",
]
LAST = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Wilson",
    "Evans",
    "Khan",
    "Patel",
    "Müller",
    "Novak",
    "Rossi",
    "Walker",
    "Wright",
    "Hughes",
    "Green",
    "Hall",
    "Clarke",
    "Lewis",
    "Young",
    "Scott",
]
ROLES = ["Buyer", "Owner", "Office manager", "Accounts", "Production lead"]
REQUESTS = [
    "Price list for A4 copy paper by the pallet",
    "Business cards, 500, matt",
    "Toner for HP LaserJet",
    "Quote for roll-up banners",
    "Monthly office supplies delivery",
    "Wedding invitations, 120",
    "Large-format plotter paper",
    "Samples of recycled paper",
    "Branded notebooks for a conference",
]
SUMMARIES = [
    ("call", "Asked about delivery times and minimum order."),
    ("call", "Discussed the quote; wants a discount for a yearly contract."),
    ("email", "Sent the price list and catalogue."),
    ("meeting", "Visited the shop, showed paper samples."),
    ("consultation", "Advised on paper weight for their brochures."),
    ("note", "Prefers calls in the morning."),
]
PROMISES = [
    "Send samples of 120 g paper",
    "Call back with a price for 20 pallets",
    "Email the catalogue",
    "Check stock of A3 toner",
    "Arrange a delivery slot",
    "Prepare a yearly contract offer",
]


DEMO_LANGUAGES = ("en", "hu", "en", "sw", "en")


def _phone(rng) -> str:
    for _ in range(5):
        raw = f"+447400{rng.randint(100000, 999999)}"
        if phonenumbers.is_valid_number(phonenumbers.parse(raw)):
            return raw
    return ""


def seed(*, rng, stdout) -> None:
    _seed_clients(rng=rng, stdout=stdout)
    messaging_demo.seed(rng=rng, stdout=stdout)
    _seed_personal_data(stdout=stdout)


def _seed_personal_data(*, stdout) -> None:
    """One person asked for their data and then to be forgotten: the export and the erasure are in the audit,
    and the card shows what an erased client looks like."""
    if PersonalDataAudit.objects.filter(action=PersonalDataAudit.Action.ERASE).exists():
        return
    admin = get_user_model().objects.filter(username="victor").first()
    person = Client.objects.filter(external_id__startswith="DEMO-", kind=Client.Kind.PERSON).order_by("pk").last()
    if admin is None or person is None:
        return
    personal_data.personal_data_export(client=person, by=admin)
    personal_data.client_personal_data_erase(client=person, by=admin)
    stdout.write(f"Clients: client {person.pk} exported and erased (personal data page).")


def _seed_clients(*, rng, stdout) -> None:
    if Client.objects.filter(external_id__startswith="DEMO-").exists():
        stdout.write("Clients: already seeded.")
        return
    User = get_user_model()
    segments = {}
    for name, code, description in SEGMENTS:
        segments[code] = Segment.objects.filter(code=code).first() or services.segment_create(
            name=name, code=code, description=description
        )
    managers = list(User.objects.filter(username__in=MANAGERS).order_by("username"))
    admin = User.objects.filter(username="victor").first()
    now = timezone.now()
    today = timezone.localdate()
    made = 0
    for i in range(COUNT):
        is_company = rng.random() < 0.7
        if is_company:
            a, b = rng.choice(COMPANY_WORDS)
            name = f"{a} {b} {rng.choice(SUFFIXES)}" if i >= len(COMPANY_WORDS) else f"{a} {b}"
            name = f"{name} ({rng.choice(['London', 'Leeds', 'Bristol', 'York', 'Bath', 'Derby'])})"
        else:
            name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        slug = "".join(ch for ch in name.lower() if ch.isascii() and ch.isalnum())[:20] or "client"
        manager = rng.choice(managers) if managers and rng.random() < 0.9 else None
        channels = rng.sample(["email", "sms", "phone", "letter"], k=rng.randint(1, 3))
        consents = {ch: ("opt_out" if rng.random() < 0.1 else "opt_in") for ch in channels}
        segment = segments[rng.choice(["wholesale", "print-shop", "retail", "office"] if is_company else ["retail"])]
        first_at = now - timedelta(days=rng.randint(1, 700), hours=rng.randint(0, 8))
        contacts = []
        if is_company:
            for _ in range(rng.randint(1, 3)):
                first, last = rng.choice(FIRST), rng.choice(LAST)
                contacts.append(
                    {
                        "name": f"{first} {last}",
                        "role": rng.choice(ROLES),
                        "phone": _phone(rng),
                        "email": f"{first.lower()}.{i}@{slug}.example".encode("ascii", "ignore").decode(),
                    }
                )
            contacts[0]["is_primary"] = True
        client = services.client_create(
            name=name,
            kind=Client.Kind.COMPANY if is_company else Client.Kind.PERSON,
            email=f"info{i}@{slug}.example" if is_company else f"{slug}{i}@mail.example",
            phone=_phone(rng),
            address=f"{rng.randint(1, 200)} {rng.choice(['High Street', 'Mill Lane', 'Station Road', 'Park Avenue'])}",
            status=rng.choice(["lead", "active", "active", "active", "dormant", "lost"]),
            first_contact_channel=rng.choice(Client.FirstContactChannel.values),
            first_contact_request=rng.choice(REQUESTS),
            first_contact_at=first_at,
            manager=manager,
            by=manager or admin,
            segment=segment,
            tags=rng.sample(["vip", "yearly contract", "pays late", "eco", "events"], k=rng.randint(0, 2)),
            contacts=contacts,
            preferred_channels=channels,
            consents=consents,
            consent_source="demo: first contact",
            external_id=f"DEMO-{i + 1:04d}",
            # every fifth client reads Hungarian and every fifth Swahili: their messages and PDFs are in it
            language=DEMO_LANGUAGES[i % len(DEMO_LANGUAGES)],
        )
        staff = manager or (managers[0] if managers else admin)
        if staff is None:
            continue
        for _ in range(rng.randint(0, 4)):
            kind, summary = rng.choice(SUMMARIES)
            Interaction.objects.create(
                client=client,
                kind=kind,
                summary=summary,
                staff=staff,
                occurred_at=first_at + timedelta(days=rng.randint(0, max(1, (now - first_at).days))),
            )
        roll = rng.random()
        if roll < 0.35:
            services.interaction_create(
                client=client,
                staff=staff,
                kind="call",
                summary="Follow-up call about the last order.",
                occurred_at=now - timedelta(days=rng.randint(0, 5)),
                next_step="Call back with the quote",
                next_step_due=today + timedelta(days=rng.randint(-4, 6)),
            )
        if rng.random() < 0.4:
            promise = services.promise_create(
                client=client,
                text=rng.choice(PROMISES),
                promised_by=staff,
                due_date=today + timedelta(days=rng.randint(-10, 10)),
            )
            if promise.due_date < today and rng.random() < 0.7:
                if rng.random() < 0.8:
                    services.promise_keep(promise=promise, how="Done as promised", by=staff)
                else:
                    services.promise_break(promise=promise, reason="Forgot to follow up", by=staff)
        made += 1
    stories = _consent_stories()
    stdout.write(
        f"Clients: {made} created with segments, contacts, timelines, tasks and promises; {stories} with a "
        "consent history (unsubscribed, a sync that could not resubscribe them, an opt-in given back with "
        "evidence, a service opt-out)."
    )


def _consent_stories() -> int:
    """A few clients whose card shows consent per channel and purpose with a history (Overview > Channels
    and consent): the rules as they play out."""
    clients = list(Client.objects.filter(external_id__startswith="DEMO-").exclude(manager=None).order_by("id")[:4])
    if len(clients) < 4:
        return 0
    a, b, c, d = clients
    # Unsubscribed from news by email; the ERP then sent "email: opt_in" and an edit did too: both ignored.
    services.consent_set(client=a, channel="email", status="opt_out", source="unsubscribe link")
    services.client_update(client=a, consents={"email": "opt_in"}, consent_source="ERP sync", by=None)
    services.client_update(client=a, consents={"email": "opt_in"}, by=a.manager)
    # Unsubscribed, then called and asked to get the news again: the manager recorded it with evidence.
    services.consent_set(client=b, channel="email", status="opt_out", source="unsubscribe link")
    services.consent_set(
        client=b, channel="email", status="opt_in", source="phone call note: asked for the news again", by=b.manager
    )
    # No invoices by SMS, please (service opt-out); the news by email still goes.
    services.consent_set(
        client=c, channel="sms", purpose="service", status="opt_out", source="signed form", by=c.manager
    )
    # Opted in to news by letter by clicking the confirmation link the manager sent.
    messaging.consent_confirm(token=messaging.consent_confirm_token(client_id=d.pk, channel="letter"))
    return 4
