"""Periodic work of the questionnaires and of the mix (Celery beat, CELERY_BEAT_SCHEDULE).
Idempotent: the unique constraints and the conditional updates of `services` make a second
run send nothing twice. Nothing in `enrollment` calls these: they find ended sessions and
changed mixes themselves."""

from celery import shared_task

from . import services


@shared_task(ignore_result=True)
def send_surveys() -> int:
    """The questionnaires due (« à chaud », « à froid », employers), then the reminders."""
    return services.send_due_surveys() + services.remind_surveys()


@shared_task(ignore_result=True)
def warn_poor_mixes() -> int:
    return services.warn_poor_mixes()
