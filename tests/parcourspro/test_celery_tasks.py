"""The worker knows every task beat schedules: tasks live beside the services they run
(STYLE.md, turn 3), under the names the schedule and queued messages use."""

from django.conf import settings

from common.tasks import TransactionAwareTask
from enrollment.services import reminders, waitlist
from parcourspro.celery import app


def test_the_worker_registers_every_task_of_the_beat_schedule():
    app.loader.import_default_modules()  # what the worker does when it starts (autodiscovery)
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled - set(app.tasks) == set()
    for name in scheduled:
        assert isinstance(app.tasks[name], TransactionAwareTask), name


def test_the_moved_tasks_keep_their_names():
    """The tasks of `enrollment.tasks` and `employers.tasks`, now beside their services."""
    assert {
        waitlist.release_structure_caps.name,
        waitlist.lapse_overdue_requests.name,
        waitlist.serve_waitlists.name,
        reminders.remind_participants.name,
        reminders.remind_approvers.name,
    } == {
        "enrollment.tasks.release_structure_caps",
        "enrollment.tasks.lapse_overdue_requests",
        "enrollment.tasks.serve_waitlists",
        "enrollment.tasks.remind_participants",
        "employers.tasks.remind_approvers",
    }
