"""The project's one Celery task base: published after the commit, never the reason a change
fails (pretix's `TransactionAwareTask`, `src/pretix/base/services/tasks.py`).

A task is defined beside the service it runs (STYLE.md, turn 3) and queued with
`delay_on_commit`: the message leaves once the transaction that recorded the work commits (at
once outside a transaction), so a worker never looks for rows that are not there yet, and a
rolled-back change queues nothing. A broker that cannot be reached is logged, not raised: the
work is recorded in the database (an outbox row, a job row), and the periodic sweeps do it
later.
"""

from __future__ import annotations

import logging
from functools import partial

from celery.contrib.django.task import DjangoTask
from django.db import transaction

logger = logging.getLogger(__name__)


class TransactionAwareTask(DjangoTask):
    def delay_on_commit(self, *args, **kwargs) -> None:
        transaction.on_commit(partial(self._publish_or_log, args, kwargs))

    def apply_async_on_commit(self, args=(), kwargs=None, **options) -> None:
        transaction.on_commit(partial(self._publish_or_log, args, kwargs or {}, options))

    def _publish_or_log(self, args, kwargs, options=None) -> None:
        try:
            self.apply_async(args, kwargs, **(options or {}))
        except Exception:  # noqa: BLE001 — the recorded work is swept later
            logger.warning("Broker unavailable: %s%r left for the sweep", self.name, args)
