"""Sending surveys after purchases and consultations, and recording the client's answer.

The sender runs every hour: it asks every registered kind for the occasions that happened between
DELAY_HOURS + LOOKBACK_DAYS and DELAY_HOURS ago, and writes one Survey row per new occasion: SENT (a token and
a message through the outbox, on a channel the client's consent for the survey purpose allows) or SKIPPED
with the reason (no consented channel, a survey in the last MIN_DAYS_BETWEEN days, an erased client). The
answer is taken once; a low one opens a follow-up task for the client's manager."""

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from clients import messaging
from clients.models import Client, FollowUpTask
from clients.services.relationship import task_create
from crm.exceptions import ApplicationError, ConflictError
from crm.notifications.models import Notification

from . import registry
from .conf import CHANNELS, param
from .models import Survey, SurveyProduct

S = Survey.Status


def survey_link(survey: Survey) -> str:
    """The public link, on settings.SITE_URL (never the Host of a request)."""
    return settings.SITE_URL.rstrip("/") + reverse("surveys:answer", args=[survey.token])


def _recently_surveyed(client_id: int, now: datetime) -> bool:
    since = now - timedelta(days=param("MIN_DAYS_BETWEEN"))
    return Survey.objects.filter(
        client_id=client_id, status__in=(S.SENT, S.ANSWERED), sent_at__gt=since, sent_at__lte=now
    ).exists()


@transaction.atomic
def survey_send(*, kind: registry.SurveyKind, occasion: registry.Occasion, now: datetime) -> Survey | None:
    """Survey one occasion (once: a second call for the same occasion returns None)."""
    if Survey.objects.filter(kind=kind.code, object_id=occasion.object_id).exists():
        return None
    client = (
        Client.objects.select_for_update(of=("self",)).select_related("manager").filter(pk=occasion.client_id).first()
    )
    if client is None:
        return None
    client = Client.objects.prefetch_related("consents").select_related("manager").get(pk=client.pk)
    purpose = param("PURPOSE")
    survey = Survey(
        kind=kind.code,
        object_id=occasion.object_id,
        client=client,
        manager_id=occasion.manager_id or client.manager_id,
        segment_id=client.segment_id,
        occurred_at=occasion.occurred_at,
        status=S.SKIPPED,
    )
    channel = messaging.choose_channel(client, purpose=purpose, allowed=CHANNELS)
    if client.erased_at is not None or client.merged_into_id is not None:
        survey.skip_reason = "the client's data was erased or merged"
    elif _recently_surveyed(client.pk, now):
        survey.skip_reason = f"surveyed in the last {param('MIN_DAYS_BETWEEN')} days"
    elif channel == Notification.Channel.NONE:
        survey.skip_reason = f"no channel the client's consent allows for {purpose} messages"
    else:
        survey.status, survey.channel, survey.sent_at = S.SENT, channel, now
        survey.token = secrets.token_urlsafe(24)
    try:
        with transaction.atomic():
            survey.save()
    except IntegrityError:  # another sender took this occasion at the same time
        return None
    SurveyProduct.objects.bulk_create(
        [SurveyProduct(survey=survey, product_id=pid) for pid in dict.fromkeys(occasion.product_ids)]
    )
    if survey.status == S.SENT:
        link = survey_link(survey)
        with messaging.in_client_language(client):  # the client reads it in their language
            subject = _("How did we do?")
            body = _("%(question)s Please tell us in two clicks: %(link)s") % {"question": kind.question, "link": link}
        messaging.notification_enqueue_for_client(
            client=client,
            event="survey_request",
            dedup_key=f"client_survey:{survey.pk}",
            purpose=purpose,
            channel=channel,
            subject=subject,
            body=body,
            context={"survey_url": link, "survey_kind": kind.code, "survey_id": survey.pk},
        )
    return survey


def survey_send_due(*, now: datetime | None = None) -> dict[str, int]:
    """Survey every occasion that reached its delay and has no survey yet. Returns counts by status."""
    now = now or timezone.now()
    end = now - timedelta(hours=param("DELAY_HOURS"))
    start = end - timedelta(days=param("LOOKBACK_DAYS"))
    counts = {S.SENT: 0, S.SKIPPED: 0}
    for kind in registry.kinds():
        occasions = list(kind.occasions(start, end))
        done = set(
            Survey.objects.filter(kind=kind.code, object_id__in=[o.object_id for o in occasions]).values_list(
                "object_id", flat=True
            )
        )
        for occasion in occasions:
            if occasion.object_id in done:
                continue
            survey = survey_send(kind=kind, occasion=occasion, now=now)
            if survey is not None:
                counts[survey.status] += 1
    return counts


def _score(value, *, field: str, low: int, high: int) -> int:
    if value is None or isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ApplicationError(_("Choose a score from %(low)s to %(high)s.") % {"low": low, "high": high}, field=field)
    return value


def is_low_answer(*, satisfaction: int, recommendation: int) -> bool:
    return satisfaction <= param("LOW_SATISFACTION") or recommendation <= param("LOW_RECOMMENDATION")


@transaction.atomic
def survey_answer(
    *, token: str, satisfaction: int, recommendation: int, comment: str = "", now: datetime | None = None
) -> Survey:
    """Record the client's answer once. A low answer opens a follow-up task for the client's manager (or the
    one who served them when the client has no manager now)."""
    survey = Survey.objects.select_for_update().filter(token=token, token__isnull=False).first() if token else None
    if survey is None:
        raise ApplicationError(_("This survey link is not valid."), field="token", code="not_found")
    if survey.status == S.ANSWERED:
        raise ConflictError(_("This survey has already been answered. Thank you!"), code="already_answered")
    survey.satisfaction = _score(satisfaction, field="satisfaction", low=1, high=5)
    survey.recommendation = _score(recommendation, field="recommendation", low=0, high=10)
    survey.comment = (comment or "").strip()[:2000]
    survey.answered_at = now or timezone.now()
    survey.status = S.ANSWERED
    survey.is_low = is_low_answer(satisfaction=survey.satisfaction, recommendation=survey.recommendation)
    fields = ["satisfaction", "recommendation", "comment", "answered_at", "status", "is_low", "updated_at"]
    if survey.is_low:
        survey.follow_up_task = _follow_up(survey)
        fields.append("follow_up_task")
    survey.save(update_fields=fields)
    return survey


def _follow_up(survey: Survey) -> FollowUpTask | None:
    client = Client.objects.select_related("manager").get(pk=survey.client_id)
    assignee = client.manager or survey.manager
    if assignee is None:
        return None
    kind = registry.kind_get(survey.kind)
    label = str(kind.label) if kind else survey.kind
    task, _created = task_create(
        client=client,
        assignee=assignee,
        title=_("Low survey score from %(client)s: %(satisfaction)s/5, recommend %(recommendation)s/10")
        % {"client": client.name, "satisfaction": survey.satisfaction, "recommendation": survey.recommendation},
        due_date=(survey.answered_at + timedelta(days=param("FOLLOW_UP_DAYS"))).date(),
        kind=FollowUpTask.Kind.CALL_BACK,
        details=_("Survey: %(kind)s. Comment: %(comment)s")
        % {"kind": label, "comment": survey.comment or _("no comment given")},
        source=f"survey:{survey.pk}",
    )
    return task
