"""Celery entry points."""

from celery import shared_task

PERIODIC_TASKS = {
    "Surveys: ask clients after purchases and consultations": ("clients.surveys.send_due", {"minute": "15"}),
}


@shared_task(name="clients.surveys.send_due")
def send_due() -> dict:
    from .services import survey_send_due

    return {str(k): v for k, v in survey_send_due().items()}
