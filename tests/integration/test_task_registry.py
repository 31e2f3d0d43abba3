"""Every task the beat schedules is known to a worker: tasks live beside their services
(`enrollment.services.*`, `documents.services`, `elearning.services`, `mailing.outbox`) under
their former `<app>.tasks` names; the Celery app autodiscovers `<app>.services` and imports
`mailing.outbox` (parcourspro/celery.py)."""

import subprocess
import sys
from pathlib import Path

from common.tasks import TransactionAwareTask
from enrollment.services import reminders, waitlist
from parcourspro.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]

# What a worker does at start (`celery -A parcourspro worker`: the Django fixup sets Django
# up, then the loader imports `imports` and the autodiscovered modules), in a fresh
# process, so that nothing this test process imported counts.
WORKER_START = """
from parcourspro.celery import app
app.loader.init_worker()
print("\\n".join(sorted(app.tasks)))
"""


def test_every_scheduled_task_is_registered_with_a_worker():
    registered = subprocess.run(
        [sys.executable, "-c", WORKER_START],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        env={"DJANGO_SETTINGS_MODULE": "parcourspro.settings", "PATH": "/usr/bin:/bin"},
    ).stdout.split()
    scheduled = {entry["task"] for entry in celery_app.conf.beat_schedule.values()}
    assert scheduled - set(registered) == set()
    # And the tasks published after a commit.
    assert {
        "mailing.tasks.send_email",
        "documents.tasks.refresh_convention",
        "documents.tasks.refresh_certificate",
        "documents.tasks.send_convocation",
        "documents.tasks.regenerate_documents",
        "elearning.tasks.run_enrolment_job",
    } <= set(registered)


def test_every_task_is_published_after_the_commit():
    """The project's one task base (common.tasks): `delay_on_commit` logs a broker outage."""
    celery_app.loader.import_default_modules()
    for entry in celery_app.conf.beat_schedule.values():
        assert isinstance(celery_app.tasks[entry["task"]], TransactionAwareTask), entry


def test_the_moved_tasks_keep_their_names():
    """The tasks of the former `enrollment.tasks` and `employers.tasks`, beside their
    services: queued messages and the beat schedule still name them so."""
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
