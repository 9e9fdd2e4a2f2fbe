"""Reads, with the eager loading each page or endpoint needs built in."""

import json
import re
from datetime import UTC, date, datetime

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import BooleanField, Count, F, Func, Lookup, Q, QuerySet, Subquery, Value
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower, Upper
from django.utils import timezone

from crm.compiled_query import CompiledQuery, for_shape
from crm.notifications.models import Notification
from crm.roles import Role

from .consent import consent_allows
from .models import (
    Channel,
    ChannelConsent,
    Client,
    ContactPerson,
    FollowUpTask,
    Interaction,
    News,
    PersonalDataAudit,
    Promise,
    Segment,
    Tag,
)
from .normalize import normalize_email, normalize_phone

PHONE_LIKE = re.compile(r"^[\d\s()+./-]+$")


class TrigramSimilar(Lookup):
    """`lhs % rhs` (pg_trgm): similar enough by trigrams; indexed by the GIN trigram indexes."""

    lookup_name = "trigram_similar_upper"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} %% {rhs}", [*lhs_params, *rhs_params]


def client_match_by_contact(*, email: str = "", phone: str = "") -> QuerySet[Client]:
    """Clients (and clients whose contact persons) have this normalised email or phone; invalid input
    matches nothing. Merged-away clients are left out."""
    q = Q()
    try:
        email = normalize_email(email)
    except Exception:
        email = ""
    try:
        phone = normalize_phone(phone)
    except Exception:
        phone = ""
    if email:
        q |= Q(email=email) | Q(pk__in=ContactPerson.objects.filter(email=email).values("client_id"))
    if phone:
        q |= Q(phone=phone) | Q(pk__in=ContactPerson.objects.filter(phone=phone).values("client_id"))
    if not q:
        return Client.objects.none()
    return Client.objects.filter(q, merged_into__isnull=True).distinct()


def client_get(*, pk) -> Client:
    """One client with what the card header shows; raises Client.DoesNotExist (404 in views)."""
    return (
        Client.objects.select_related("segment", "manager", "merged_into", "first_contact_by")
        .prefetch_related("consents", "tags")
        .get(pk=pk)
    )


def client_lineage_ids(*, client) -> list[int]:
    """The client and every client merged into it: a client's ledger and documents stay on the client they were
    recorded for (a merge does not rewrite them, see clients.hooks.keep_on_merge), so a client's history is read
    over this lineage. merged_into is kept flat (a merge re-points the loser's own losers at the survivor), so
    one level is the whole lineage. One query."""
    pk = client.pk if hasattr(client, "pk") else int(client)
    return [pk, *Client.objects.filter(merged_into_id=pk).order_by("pk").values_list("pk", flat=True)]


def client_lineage_q(*, client, field: str = "client") -> Q:
    """A filter for rows whose `field` (a ForeignKey to Client) is the client or a client merged into it, for
    querysets of another app: `Purchase.objects.filter(client_lineage_q(client=c))`. No query of its own."""
    pk = client.pk if hasattr(client, "pk") else int(client)
    return Q(**{f"{field}_id": pk}) | Q(**{f"{field}__merged_into_id": pk})


def client_duplicates(*, phone: str = "", email: str = "", name: str = "", exclude_pk=None, limit: int = 8):
    """Possible existing clients for a first contact: the same normalised phone or email (also of contact
    persons), or a similar name. Each result carries `match` ("phone/email" or "name")."""
    found: dict[int, Client] = {}
    for client in client_match_by_contact(email=email, phone=phone).select_related("manager")[:limit]:
        client.match = "phone or email"
        found[client.pk] = client
    name = (name or "").strip()
    if len(name) >= 3 and len(found) < limit:
        base = Client.objects.filter(merged_into__isnull=True).exclude(pk__in=list(found)).select_related("manager")
        from django.db import connection

        if connection.vendor == "postgresql":
            similar = base.filter(TrigramSimilar(Upper("name"), Value(name.upper()))).order_by("-id")
        else:
            first_word = name.split()[0]
            cond = Q(name__icontains=name)
            if len(first_word) >= 3:
                cond |= Q(name__istartswith=first_word)
            similar = base.filter(cond).order_by("-id")
        for client in similar[: limit - len(found)]:
            client.match = "similar name"
            found[client.pk] = client
    if exclude_pk:
        found.pop(int(exclude_pk), None)
    return list(found.values())


SORTS = {
    "name": (Lower("name").asc(), "id"),
    "-name": (Lower("name").desc(), "-id"),
    "newest": ("-id",),
    "oldest": ("id",),
    "updated": ("-updated_at", "-id"),
}


def _whole_contact(search: str) -> tuple[str, str]:
    """(email, phone) when the search is one whole email address or one whole phone number, normalised as
    stored; ("", "") otherwise."""
    if "@" in search and " " not in search:
        try:
            return normalize_email(search), ""
        except ValidationError:
            return "", ""
    digits = re.sub(r"\D", "", search)
    if PHONE_LIKE.match(search) and len(digits) >= 8:
        try:
            return "", normalize_phone(search)
        except ValidationError:
            return "", ""
    return "", ""


def search_parts(search: str) -> dict[str, str]:
    """What a search looks for, by kind: {} (nothing), {"email": ...} or {"phone": ...} (one whole address or
    number, normalised as stored), {"term": ...}, or {"term": ..., "digits": ...} for a term that reads as part
    of a phone number ("0207 946 0001" and "+44 20 7946 0001" both reach "+442079460001": the national part)."""
    search = (search or "").strip()
    if not search:
        return {}
    email, phone = _whole_contact(search)
    if email:
        return {"email": email}
    if phone:
        return {"phone": phone}
    digits = re.sub(r"\D", "", search)
    if PHONE_LIKE.match(search) and len(digits) >= 3:
        return {"term": search, "digits": digits.lstrip("0")}
    return {"term": search}


def _search_q(search: str) -> Q:
    return _search_q_of(**search_parts(search))


def _search_q_of(*, term=None, digits=None, email=None, phone=None) -> Q:
    """Name, email, phone, or a company contact's name/email/phone; indexed on PostgreSQL by trigram
    indexes on UPPER(column). A whole email address or phone number is looked up by equality on the
    normalised value (b-tree indexes): a trigram walk of every address on the same domain is what made a
    search for one address slow. Company contacts are matched inside the same statement (PkInArray)."""
    if email is not None or phone is not None:
        column, value = ("email", email) if email is not None else ("phone", phone)
        return Q(**{column: value}) | PkInArray(ContactPerson.objects.filter(**{column: value}))
    q = Q(name__icontains=term) | Q(email__icontains=term)
    contact_q = Q(name__icontains=term) | Q(email__icontains=term)
    if digits is not None:
        q |= Q(phone__icontains=digits)  # icontains: UPPER(phone) is trigram-indexed
        contact_q |= Q(phone__icontains=digits)
    return q | PkInArray(ContactPerson.objects.filter(contact_q))


class PkInArray(Func):
    """The row's id is one of the clients (at most 500) of the given company contacts: on PostgreSQL
    `id = ANY(ARRAY(SELECT client_id ...))`, which the planner runs once, first, and then uses like a list of
    ids (an index condition inside the OR of the search), so the contacts are matched in the same statement as
    the clients instead of a query of their own before it. Elsewhere `id IN (SELECT ...)`."""

    output_field = BooleanField()

    def __init__(self, contacts: QuerySet):
        super().__init__(F("pk"), Subquery(contacts.order_by().values("client_id")[:500]))

    def as_sql(self, compiler, connection, **extra):
        pk, pk_params = compiler.compile(self.source_expressions[0])
        sub, sub_params = compiler.compile(self.source_expressions[1])  # "(SELECT ...)"
        array = f"= ANY(ARRAY{sub})" if connection.vendor == "postgresql" else f"IN {sub}"
        return f"{pk} {array}", (*pk_params, *sub_params)


def client_list(
    *,
    search: str = "",
    segment=None,
    manager=None,
    status: str = "",
    tag=None,
    sort: str = "newest",
    include_merged: bool = False,
) -> QuerySet[Client]:
    shape, values = list_shape(
        search=search, segment=segment, manager=manager, status=status, tag=tag, sort=sort,
        include_merged=include_merged,
    )  # fmt: skip
    return client_list_of(shape, **values)


def list_shape(
    *, search="", segment=None, manager=None, status="", tag=None, sort="newest", include_merged=False
) -> tuple[tuple, dict]:
    """The list's filters as (shape, values): the shape decides the statement's text (which conditions, the
    order), the values fill it in. Two requests of one shape run the same SQL with other values, so the list
    pages compile it once per shape (crm.compiled_query; LIST_PROBES names each value's field)."""
    values: dict = search_parts(search)
    if segment:
        values["segment"] = segment
    if manager and manager != "none":
        values["manager"] = manager
    if status:
        values["status"] = status
    if tag:
        values["tag"] = tag
    sort = sort if sort in SORTS else "newest"
    return (sort, bool(include_merged), manager == "none", tuple(sorted(values))), values


def client_list_of(shape: tuple, **values) -> QuerySet[Client]:
    """The list of one shape (list_shape) with its values."""
    sort, include_merged, unassigned, _names = shape
    qs = Client.objects.select_related("segment", "manager")
    if not include_merged:
        qs = qs.filter(merged_into__isnull=True)
    search = {k: values[k] for k in ("term", "digits", "email", "phone") if k in values}
    if search:
        qs = qs.filter(_search_q_of(**search))
    if "segment" in values:
        qs = qs.filter(segment=values["segment"])
    if unassigned:
        qs = qs.filter(manager__isnull=True)
    elif "manager" in values:
        qs = qs.filter(manager=values["manager"])
    if "status" in values:
        qs = qs.filter(status=values["status"])
    if "tag" in values:
        qs = qs.filter(tags=values["tag"])
    return qs.order_by(*SORTS[sort])


def list_probes(shape: tuple) -> dict:
    """The probes (crm.compiled_query) of a shape's values: each value's field and a probe value no other
    parameter equals or contains."""
    field = Client._meta.get_field
    probes = {
        "term": (field("name"), "\x01probe-term\x01"),
        "digits": (field("phone"), "\x01probe-digits\x01"),
        "email": (field("email"), "probe-email@probe.invalid"),
        "phone": (field("phone"), "+999000999000999"),
        "segment": (field("segment"), 987_654_321_001),
        "manager": (field("manager"), 987_654_321_002),
        "status": (field("status"), "\x01probe-status\x01"),
        "tag": (Tag._meta.pk, 987_654_321_003),
    }
    return {name: probes[name] for name in shape[3]}


API_FIELDS = [
    "id", "kind", "name", "email", "phone", "address", "segment_id", "manager_id", "status", "status_changed_at",
    "first_contact_channel", "first_contact_at", "preferred_channels", "language", "external_id", "merged_into_id",
    "created_at", "updated_at",
]  # fmt: skip


def client_list_api(**filters) -> QuerySet[Client]:
    """The API list: the segment's code by join (no Segment or User objects built), only the columns the
    API shows, and each client's consents as one JSON array column of the same query (see `consent_rows`)."""
    return _api_columns(client_list(**filters))


def client_list_api_of(shape: tuple, **values) -> QuerySet[Client]:
    """client_list_api for one shape of list_shape, with its values."""
    return _api_columns(client_list_of(shape, **values))


def _api_columns(qs: QuerySet[Client]) -> QuerySet[Client]:
    return (
        qs.select_related(None)
        .only(*API_FIELDS)
        .annotate(segment_code=F("segment__code"), consents_json=RawSQL(_consents_json_sql(), ()))
    )


def _json_rows_sql(columns: list[str], source: str, order_by: str) -> str:
    """A correlated subquery giving, for each client row, a JSON array of arrays of `columns` from `source`
    (a FROM ... WHERE ... clause naming the outer table), ordered by `order_by`; '[]' when there are none.
    One column of the outer query instead of one more query per page."""
    if connection.vendor == "postgresql":
        cols = ", ".join(columns)
        return f"SELECT COALESCE(json_agg(json_build_array({cols}) ORDER BY {order_by}), '[]'::json) {source}"
    # SQLite's JSON1: json_group_array keeps the order of the rows it is fed
    inner = ", ".join(f"{c} AS c{i}" for i, c in enumerate(columns))
    outer = ", ".join(f"c{i}" for i in range(len(columns)))
    return (
        f"SELECT COALESCE(json_group_array(json_array({outer})), '[]') FROM "
        f"(SELECT {inner} {source} ORDER BY {order_by})"
    )


def _consents_json_sql() -> str:
    """[[channel, purpose, status, given_at, source], ...] ordered by channel and purpose."""
    table, client = ChannelConsent._meta.db_table, Client._meta.db_table
    return _json_rows_sql(
        ["k.channel", "k.purpose", "k.status", "k.given_at", "k.source"],
        f"FROM {table} k WHERE k.client_id = {client}.id",
        "k.channel, k.purpose",
    )


def _tags_json_sql() -> str:
    """[[name], ...] ordered by name."""
    link, tag, client = Client.tags.through._meta.db_table, Tag._meta.db_table, Client._meta.db_table
    return _json_rows_sql(
        ["t.name"], f"FROM {link} ct JOIN {tag} t ON t.id = ct.tag_id WHERE ct.client_id = {client}.id", "t.name"
    )


def _json_value(raw):
    return json.loads(raw) if isinstance(raw, str) else raw  # SQLite hands back text, psycopg2 parsed JSON


def consent_rows(client: Client) -> list[tuple]:
    """[(channel, purpose, status, given_at as an aware datetime, source), ...] from `consents_json`, or from
    the (prefetched) consents when the client did not come from client_list_api()."""
    raw = getattr(client, "consents_json", None)
    if raw is None:
        consents = sorted(client.consents.all(), key=lambda k: (k.channel, k.purpose))
        return [(k.channel, k.purpose, k.status, k.given_at, k.source) for k in consents]
    return [(ch, purpose, st, _aware(at), source) for ch, purpose, st, at, source in _json_value(raw)]


def _aware(value: str | None) -> datetime | None:
    if not value:
        return None
    moment = datetime.fromisoformat(value)
    return moment if timezone.is_aware(moment) else moment.replace(tzinfo=UTC)


def list_rows(qs: QuerySet[Client], *, billing_only: bool, offset: int, limit: int) -> list[dict]:
    """One page of the client list as plain rows for the page template: values, not model instances (the
    template reads each cell at the first lookup), tags included, in one query."""
    return _finish_rows(list(_rows_queryset(qs, billing_only=billing_only, offset=offset, limit=limit)), billing_only)


# The list page's statements are compiled once per shape, role view and page for its first pages; deeper pages
# (rarely asked) go through the ORM each time.
COMPILED_LIST_PAGES = 10


def list_page(filters: dict, *, billing_only: bool, offset: int, limit: int) -> list[dict]:
    """list_rows(client_list(**filters), ...), with the statement compiled once per shape (list_shape), view
    and page, per connection. Only the unfiltered list is also prepared: a filter's or a search's best plan
    depends on its value."""
    if offset >= COMPILED_LIST_PAGES * limit:
        return list_rows(client_list(**filters), billing_only=billing_only, offset=offset, limit=limit)
    shape, values = list_shape(**filters)
    key = f"client_rows:{billing_only}:{offset}:{limit}:{shape}"

    def build(**values):
        qs = client_list_of(shape, **values)
        return _rows_queryset(qs, billing_only=billing_only, offset=offset, limit=limit)

    query = for_shape(key, lambda: CompiledQuery(key, Client, build, list_probes(shape), prepare=not values))
    return _finish_rows(query.dicts(**values), billing_only)


def _rows_queryset(qs: QuerySet[Client], *, billing_only: bool, offset: int, limit: int) -> QuerySet:
    fields = ["id", "name", "kind", "phone", "email"]
    if billing_only:
        fields += ["address", "external_id"]
    else:
        fields += ["status", "segment__name", "manager__first_name", "manager__last_name", "manager__username"]
    qs = qs.select_related(None)
    if not billing_only:
        qs = qs.annotate(tags_json=RawSQL(_tags_json_sql(), ()))
        fields.append("tags_json")
    return qs.values(*fields)[offset : offset + limit]


def _finish_rows(rows: list[dict], billing_only: bool) -> list[dict]:
    # each label translated once per page, not once per row (a lazy label translates again every time it is read)
    kinds = {value: str(label) for value, label in Client.Kind.choices}
    statuses = {value: str(label) for value, label in Client.Status.choices}
    for r in rows:
        r["kind_label"] = kinds.get(r["kind"], r["kind"])
        if not billing_only:
            r["status_label"] = statuses.get(r["status"], r["status"])
            first, last = r.pop("manager__first_name"), r.pop("manager__last_name")
            username = r.pop("manager__username")
            r["manager"] = f"{first or ''} {last or ''}".strip() or username
            r["segment"] = r.pop("segment__name") or ""
            r["tags"] = [name for (name,) in _json_value(r.pop("tags_json"))]
    return rows


FILTER_CHOICES_KEY = "clients:list-filter-choices"


def list_filter_choices() -> dict[str, list[dict]]:
    """Segments, sales managers and tags for the client list's filter bar. Read on every list page and changed
    rarely, so cached; `clients.signals` drops the entry whenever one of them changes, and it expires within
    a minute in any case (a per-process memory cache only hears its own process's changes)."""
    choices = cache.get(FILTER_CHOICES_KEY)
    if choices is None:
        choices = {
            "segments": [{"pk": s.pk, "name": s.name} for s in segment_list()],
            "managers": [{"pk": u.pk, "name": u.get_full_name() or u.username} for u in sales_managers()],
            "tags": [{"pk": t.pk, "name": t.name} for t in Tag.objects.order_by("name")],
        }
        cache.set(FILTER_CHOICES_KEY, choices, 60)
    return choices


def forget_filter_choices(**kwargs) -> None:
    cache.delete(FILTER_CHOICES_KEY)


def sales_managers() -> QuerySet:
    return (
        get_user_model()
        .objects.filter(groups__name=Role.SALES_MANAGER, is_active=True)
        .order_by("first_name", "username")
        .distinct()
    )


def segment_list(*, active_only: bool = False) -> QuerySet[Segment]:
    qs = Segment.objects.all()
    return qs.filter(is_active=True) if active_only else qs


def interaction_list(*, client: Client) -> QuerySet[Interaction]:
    return Interaction.objects.filter(client=client).select_related("staff")


def promise_list(*, client: Client | None = None, promised_by=None, status: str = "") -> QuerySet[Promise]:
    qs = Promise.objects.select_related("client", "promised_by")
    if client is not None:
        qs = qs.filter(client=client)
    if promised_by is not None:
        qs = qs.filter(promised_by=promised_by)
    if status:
        qs = qs.filter(status=status)
    return qs


def task_list(*, assignee=None, client: Client | None = None, status: str = "", due_by: date | None = None):
    qs = FollowUpTask.objects.select_related("client", "assignee")
    if assignee is not None:
        qs = qs.filter(assignee=assignee)
    if client is not None:
        qs = qs.filter(client=client)
    if status:
        qs = qs.filter(status=status)
    if due_by is not None:
        qs = qs.filter(due_date__lte=due_by)
    return qs


def tasks_due(*, user, today: date | None = None) -> dict:
    """The sales manager's 'today' and 'overdue' open tasks."""
    today = today or timezone.localdate()
    tasks = list(task_list(assignee=user, status=FollowUpTask.Status.OPEN, due_by=today))
    return {
        "today": [t for t in tasks if t.due_date == today],
        "overdue": [t for t in tasks if t.due_date < today],
    }


def promises_overdue(*, promised_by=None, today: date | None = None) -> QuerySet[Promise]:
    today = today or timezone.localdate()
    qs = promise_list(promised_by=promised_by, status=Promise.Status.OPEN).filter(due_date__lt=today)
    return qs.order_by("due_date", "id")


def promise_overdue_by_person(*, today: date | None = None) -> list[tuple]:
    by_user: dict = {}
    for promise in promises_overdue(today=today):
        by_user.setdefault(promise.promised_by, []).append(promise)
    return list(by_user.items())


def promise_kept_rates(*, user=None) -> list[dict]:
    """Per manager: kept, broken, resolved and the kept rate in percent (kept / (kept + broken)), counted
    in SQL. Open promises do not count until they are resolved."""
    qs = Promise.objects.all()
    if user is not None:
        qs = qs.filter(promised_by=user)
    rows = (
        qs.values("promised_by", "promised_by__username", "promised_by__first_name", "promised_by__last_name")
        .annotate(
            kept=Count("id", filter=Q(status=Promise.Status.KEPT)),
            broken=Count("id", filter=Q(status=Promise.Status.BROKEN)),
            open=Count("id", filter=Q(status=Promise.Status.OPEN)),
        )
        .order_by("promised_by__first_name", "promised_by__username")
    )
    result = []
    for row in rows:
        resolved = row["kept"] + row["broken"]
        name = f"{row['promised_by__first_name']} {row['promised_by__last_name']}".strip()
        result.append(
            {
                "user_id": row["promised_by"],
                "name": name or row["promised_by__username"],
                "kept": row["kept"],
                "broken": row["broken"],
                "open": row["open"],
                "rate": round(row["kept"] * 100 / resolved) if resolved else None,
            }
        )
    return result


def client_history(*, client: Client, limit: int = 100) -> list[dict]:
    """Who changed what, when: each historical record of the client diffed against the one before it,
    plus every consent change (opt-ins and opt-outs), newest first. Two queries."""
    records = list(client.history.select_related("history_user").order_by("-history_date", "-history_id")[:limit])
    entries = []
    for newer, older in zip(records, records[1:] + [None], strict=True):
        changes = []
        if older is not None:
            delta = newer.diff_against(older)
            changes = [{"field": c.field, "old": c.old, "new": c.new} for c in delta.changes]
        entries.append(
            {
                "when": newer.history_date,
                "who": newer.history_user,
                "created": newer.history_type == "+",
                "changes": changes,
                "reason": newer.history_change_reason or "",
            }
        )
    consent_records = (
        ChannelConsent.history.filter(client_id=client.pk)
        .select_related("history_user")
        .order_by("history_date", "history_id")
    )
    last_status: dict[tuple[str, str], str] = {}
    for rec in consent_records[:limit]:
        key = (rec.channel, rec.purpose)
        entries.append(
            {
                "when": rec.history_date,
                "who": rec.history_user,
                "created": False,
                "changes": [
                    {
                        "field": f"consent: {rec.channel} ({rec.purpose})",
                        "old": last_status.get(key, ""),
                        "new": f"{rec.status} ({rec.source})",
                    }
                ],
                "reason": "",
            }
        )
        last_status[key] = rec.status
    entries.sort(key=lambda e: e["when"], reverse=True)
    return entries[:limit]


def consent_overview(*, client: Client) -> list[dict]:
    """One row per channel and purpose: the answer on record (None: not asked) and whether a message of that
    purpose may go on that channel. Reads the client's prefetched consents."""
    on_record = {(c.channel, c.purpose): c for c in client.consents.all()}
    rows = []
    for channel, channel_label in Channel.choices:
        for purpose, purpose_label in ChannelConsent.Purpose.choices:
            consent = on_record.get((channel, purpose))
            rows.append(
                {
                    "channel": channel,
                    "channel_label": channel_label,
                    "purpose": purpose,
                    "purpose_label": purpose_label,
                    "consent": consent,
                    "allowed": consent_allows(consent.status if consent else None, purpose),
                }
            )
    return rows


def consent_history(*, client_id: int, limit: int = 100) -> list:
    """Every change of the client's consents, newest first: who recorded it, when the client said so, and
    how (the evidence in `source`). The history is append-only (simple_history records each save)."""
    return list(
        ChannelConsent.history.filter(client_id=client_id)
        .select_related("history_user", "recorded_by")
        .order_by("-history_date", "-history_id")[:limit]
    )


def timeline(*, client: Client) -> list:
    return list(interaction_list(client=client)[:200])


# --- company news --------------------------------------------------------------------------------------


def news_list() -> QuerySet:
    return News.objects.select_related("created_by").prefetch_related("segments").order_by("-id")


def news_get(*, pk: int) -> News:
    return News.objects.select_related("created_by").prefetch_related("segments").get(pk=pk)


def news_delivery_counts(*, news: News) -> dict[str, int]:
    counts = dict(news.notifications.values_list("status").annotate(n=Count("id")).order_by())
    return {status: counts.get(status, 0) for status in Notification.Status.values}


def personal_data_audit_list(*, client_id: int | None = None) -> QuerySet:
    """What was exported and erased (and, without a client, the retention runs too), newest first."""
    qs = PersonalDataAudit.objects.select_related("by")
    return qs.filter(client_id=client_id) if client_id is not None else qs


def client_ids_matching(*, search: str, limit: int = 50) -> QuerySet:
    """A bounded subquery of the ids of the clients a search names (name, phone, email, a contact person's
    details), for finding their invoices or complaints with `client_id__in=` in one query."""
    return client_list(search=search).order_by().values("id")[:limit]
