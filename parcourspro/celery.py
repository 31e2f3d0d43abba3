"""The Celery app: tasks run on a Redis broker, or eagerly when no broker is configured."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "parcourspro.settings")

# Every task is published after the commit that recorded its work (common.tasks).
app = Celery("parcourspro", task_cls="common.tasks:TransactionAwareTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Tasks live beside the service they run, in `<app>.services` (STYLE.md): the worker imports
# those modules when it starts.
app.autodiscover_tasks(related_name="services")

# The broker is a doorbell; the database is the record (emails, enrolment jobs and documents
# are rows that periodic sweeps finish). CELERY_BROKER_URL and eagerness come from the
# settings (the environment); the rest is the same everywhere.
app.conf.update(
    broker_connection_retry_on_startup=True,
    # A worker waits for its broker as long as it is away, rather than exit after 100 tries.
    broker_connection_max_retries=None,
    broker_transport_options={
        # No acknowledgement emulation: a message leaves Redis when a worker takes it. With it,
        # kombu restores the unacknowledged messages when Celery closes the channel of a lost
        # connection, after Celery has already detached that connection's transport; the
        # restore then reads the broker's address from nothing and raises AttributeError
        # (kombu.transport.redis.Channel._connparams), which Celery does not treat as a
        # connection error: the worker exited at a Redis restart with a task in hand (issue 23).
        # Without emulation, kombu's plain QoS logs what it cannot restore and the worker
        # reconnects. What is lost (the message of a task in hand when Redis restarts, or when
        # the worker is killed) is what a restarted Redis without persistence loses anyway, and
        # the sweeps do it from the database.
        "ack_emulation": False,
        # Opening a publishing channel: two attempts, no pause between them.
        "max_retries": 1,
        "interval_start": 0,
        "interval_step": 0.2,
        # A broker that does not answer is given up quickly: a request that publishes after its
        # commit must not wait on it (tests/parcourspro/test_broker_down.py).
        "socket_connect_timeout": 0.25,
        "socket_timeout": 2,
    },
    # The whole time spent opening a publishing channel, over its attempts.
    broker_connection_timeout=1,
    # A publish that fails is tried once more at once on a fresh connection (a connection the
    # pool kept from before a Redis restart is dead), then given up: kombu's default policy
    # (3 retries, 0.2 s apart) made each cart validation wait 0.6 s with the broker down.
    # common.tasks logs the failure; the sweeps do the work.
    task_publish_retry_policy={
        "max_retries": 1,
        "interval_start": 0,
        "interval_step": 0,
        "interval_max": 0,
    },
    # A task in hand when the connection is lost finishes (its message cannot be given back
    # without acknowledgement emulation anyway); stopping an email in the middle of its SMTP
    # conversation could send it twice.
    worker_cancel_long_running_tasks_on_connection_loss=False,
    timezone="Europe/Paris",
    # Tasks live beside the services they run (STYLE.md), found by the autodiscovery of
    # `<app>.services` above; the outbox's are in `mailing.outbox`, the documents' sweep in
    # `documents.sweep`. Their names are those of
    # the former `<app>.tasks` modules (tests/integration/test_task_registry.py).
    imports=("mailing.outbox", "documents.sweep", "documents.retention"),
    beat_schedule={
        # Satisfaction questionnaires (« à chaud » at the end, « à froid » after
        # COLD_SURVEY_DAYS), their one reminder, and staff's warning of a poor mix (Q9).
        "send-surveys": {"task": "surveys.tasks.send_surveys", "schedule": crontab(minute="*/15")},
        "warn-poor-mixes": {
            "task": "surveys.tasks.warn_poor_mixes",
            "schedule": crontab(minute=55),
        },
        "send-unsent-emails": {"task": "mailing.tasks.sweep_unsent_emails", "schedule": 60.0},
        "run-enrolment-jobs": {"task": "elearning.tasks.sweep_enrolment_jobs", "schedule": 60.0},
        "release-structure-cap": {
            "task": "enrollment.tasks.release_structure_caps",
            "schedule": crontab(minute=5),
        },
        "lapse-pending-requests": {
            "task": "enrollment.tasks.lapse_overdue_requests",
            "schedule": crontab(minute=15),
        },
        # Late release (DESIGN.md, turn 3): offers without an answer, and accepted ones whose
        # employer did not accept in time, end and their places pass on (every service that
        # locks the session does it too).
        "end-overdue-offers": {
            "task": "enrollment.tasks.end_overdue_offers",
            "schedule": crontab(minute="*/5"),
        },
        "remind-approvers": {
            "task": "employers.tasks.remind_approvers",
            "schedule": crontab(minute=25),
        },
        "remind-participants": {
            "task": "enrollment.tasks.remind_participants",
            "schedule": crontab(minute=45),
        },
        # A safety net: every service serves the waiting lists it touches, and follow-ups after
        # a freed quota or a new membership are queued on commit.
        "serve-waitlists": {
            "task": "enrollment.tasks.serve_waitlists",
            "schedule": crontab(minute=35),
        },
        "erase-old-email-bodies": {
            "task": "mailing.tasks.erase_old_email_bodies",
            "schedule": crontab(hour=3, minute=35),
        },
        # Certificates of completion for attendance recorded before the session's end.
        "certificates-of-ended-sessions": {
            "task": "documents.tasks.certificates_of_ended_sessions",
            "schedule": crontab(minute=50),
        },
        # Confirmation emails still waiting for their convocation (its task lost or out of
        # retries: the storage was unavailable).
        "send-waiting-convocations": {
            "task": "documents.tasks.send_waiting_convocations",
            "schedule": crontab(minute="*/10"),
        },
        # Documents that failed (storage unavailable) when their next attempt is due, and
        # those never made (a task lost); given up, with staff told, after
        # DOCUMENT_GIVE_UP_HOURS (documents/sweep.py).
        # Legal documents erased DOCUMENT_RETENTION_YEARS after their session's end
        # (documents/retention.py).
        "erase-expired-documents": {
            "task": "documents.tasks.erase_expired_documents",
            "schedule": crontab(hour=3, minute=50),
        },
        "regenerate-documents": {
            "task": "documents.tasks.regenerate_documents",
            "schedule": crontab(minute="5-59/10"),
        },
    },
)
