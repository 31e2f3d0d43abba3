"""Reminders to approvers (R9, Celery beat; see CELERY_BEAT_SCHEDULE)."""

from celery import shared_task

from enrollment.services import remind_approvers as remind


@shared_task(ignore_result=True)
def remind_approvers() -> int:
    """R9: remind approvers of requests pending for APPROVAL_REMINDER_DAYS, and again
    APPROVAL_DEADLINE_REMINDER_DAYS before the registration deadline. Idempotent."""
    return remind()
