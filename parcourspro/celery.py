"""The Celery app: tasks run on a Redis broker, or eagerly when no broker is configured."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parcourspro.settings")

# Every task is published after the commit that recorded its work (common.tasks).
app = Celery("parcourspro", task_cls="common.tasks:TransactionAwareTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Tasks live in `<app>.tasks` or beside the service they run, in `<app>.services` (STYLE.md):
# the worker imports both when it starts.
app.autodiscover_tasks()
app.autodiscover_tasks(related_name="services")
