"""Every task the beat schedules is known to a worker: tasks live beside their services
(`mailing.outbox`, `documents.services`, `elearning.services`) under their former
`<app>.tasks` names, and Celery autodiscovers only `<app>.tasks` modules (CELERY_IMPORTS
names the others)."""

import subprocess
import sys
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]

# What a worker does at start (`celery -A parcourspro worker`: the Django fixup sets Django
# up, then the loader imports CELERY_IMPORTS and the autodiscovered modules), in a fresh
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
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert scheduled - set(registered) == set()
    # And the tasks published after a commit.
    assert {
        "mailing.tasks.send_email",
        "documents.tasks.refresh_convention",
        "documents.tasks.refresh_certificate",
        "documents.tasks.send_convocation",
        "elearning.tasks.run_enrolment_job",
    } <= set(registered)
