"""Demo: the surveys the sender would have sent over the last six months after the demo's purchases and
consultations (consent and the frequency cap applied, so some are skipped with the reason), about two thirds
answered, the low answers with their follow-up task for the manager. Run by the reports demo, last, once
the purchases exist."""

from datetime import timedelta

from django.utils import timezone

from . import services
from .models import Survey

DAYS = 182
STEP_DAYS = 3  # the sender is run every 3 demo days (its look-back covers the gaps)
COMMENTS = {
    "low": ["The delivery was late and nobody called.", "Wrong paper grade delivered.", "Hard to reach anyone."],
    "mid": ["", "Fine, as usual.", "Good, but the invoice came late."],
    "high": ["", "Great advice, thank you!", "Fast and friendly.", "Exactly what we needed."],
}


def _answer(rng) -> tuple[int, int, str]:
    roll = rng.random()
    if roll < 0.12:  # unhappy: a follow-up task for the manager
        return rng.choice([1, 2]), rng.randint(0, 5), rng.choice(COMMENTS["low"])
    if roll < 0.40:
        return rng.choice([3, 4]), rng.randint(6, 8), rng.choice(COMMENTS["mid"])
    return rng.choice([4, 5, 5]), rng.choice([9, 9, 10, 10, 8]), rng.choice(COMMENTS["high"])


def seed(*, rng, stdout) -> None:
    if Survey.objects.exists():
        stdout.write("Surveys: already sent.")
        return
    now = timezone.now()
    moment = now - timedelta(days=DAYS)
    while moment <= now:
        services.survey_send_due(now=moment)
        moment += timedelta(days=STEP_DAYS)
    answered = low = 0
    for survey in Survey.objects.filter(status=Survey.Status.SENT).order_by("sent_at", "id"):
        if rng.random() > 0.68:
            continue  # not every client answers
        when = min(survey.sent_at + timedelta(hours=rng.randint(2, 72)), now)
        satisfaction, recommendation, comment = _answer(rng)
        done = services.survey_answer(
            token=survey.token,
            satisfaction=satisfaction,
            recommendation=recommendation,
            comment=comment,
            now=when,
        )
        answered += 1
        low += done.is_low
    counts = {s: Survey.objects.filter(status=s).count() for s in Survey.Status.values}
    stdout.write(
        f"Surveys: {counts['sent'] + answered} sent, {counts['skipped']} not sent (consent or frequency cap), "
        f"{answered} answered, {low} low with a follow-up task."
    )
