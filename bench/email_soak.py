"""Email soak: 1,000 outbox emails through Redis and a real Celery worker that is killed
mid-way and restarted, then the sweep, against an SMTP sink; counts duplicates.

    .venv/bin/python bench/email_soak.py                       # SIGTERM run, then SIGKILL run
    .venv/bin/python bench/email_soak.py --signals KILL --kills 5 --emails 500

For each signal: records N emails in the outbox of PostgreSQL database `pp_soak` with
`mailing.outbox.queue_email` (one transaction; each email its template's context, nothing
rendered), which publishes `mailing.tasks.send_email` for each after the commit; starts
`celery -A parcourspro worker --pool=solo` (broker redis://127.0.0.1:6379/9, EMAIL_URL to an
aiosmtpd sink run by this script on 127.0.0.1); when the sink has received a share of the
emails, sends the signal to the worker, starts a new worker, and repeats for `--kills` kills;
lets the last worker empty the queue, stops it, then runs `mailing.outbox.sweep_unsent_emails`
in this process until no email is unsent. The worker renders each email before sending it.
Reports delivered, duplicates (same Message-ID; same subject and recipient), the emails the
sweep had to send and the time.

What "never twice" means here: `deliver` renders the email (once: the text is stored and the
context cleared, whoever renders it first), then sends under the outbox row's lock and marks
it sent in the same transaction, so a retry or the sweep never resends a committed email. A SIGKILL
between the SMTP server's 250 reply (and the QUIT) and the COMMIT loses the mark: the sweep
sends that email again. At most one duplicate per kill, and the copies share the row's
Message-ID, which a receiving server or client can use to drop the second.
"""

from __future__ import annotations

import argparse
import datetime as dt
import email
import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import ROOT, VENV_BIN, database_url, free_port, setup_django  # noqa: E402

BROKER_URL = "redis://127.0.0.1:6379/9"
DOMAIN = "soak.parcourspro.test"


class Sink:
    """aiosmtpd handler: keeps (Message-ID, subject, recipients) of every message."""

    def __init__(self, delay: float = 0.0):
        self.delay = delay
        self.messages: list[tuple[str, str, tuple[str, ...]]] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 — aiosmtpd's hook name
        import asyncio

        if self.delay:
            await asyncio.sleep(self.delay)
        parsed = email.message_from_bytes(envelope.content)
        with self._lock:
            self.messages.append(
                (parsed["Message-ID"], parsed["Subject"], tuple(sorted(envelope.rcpt_tos)))
            )
        return "250 Message accepted for delivery"

    def count(self) -> int:
        with self._lock:
            return len(self.messages)

    def clear(self) -> None:
        with self._lock:
            self.messages.clear()


def start_worker(smtp_port: int, database: str, log) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "EMAIL_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE="parcourspro.settings",
        DATABASE_URL=database_url(database),
        CELERY_BROKER_URL=BROKER_URL,
        EMAIL_URL=f"smtp://127.0.0.1:{smtp_port}",
        LOG_LEVEL="WARNING",
    )
    return subprocess.Popen(
        [
            str(VENV_BIN / "celery"),
            "-A",
            "parcourspro",
            "worker",
            "--pool=solo",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "--hostname",
            f"soak-{time.monotonic_ns()}@localhost",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(process: subprocess.Popen, sig: signal.Signals = signal.SIGTERM) -> None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the group this worker leads
            process.wait(timeout=10)


def wait_until(predicate, *, timeout: float, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return predicate()


def soak(sig: signal.Signals, *, n: int, kills: int, database: str, sink: Sink, port: int):
    import redis
    from django.db import transaction

    from mailing.models import Email
    from mailing.outbox import queue_email, sweep_unsent_emails

    redis.Redis.from_url(BROKER_URL).flushdb()
    Email.objects.all().delete()
    sink.clear()
    log_path = ROOT / "bench" / "results" / f"soak-worker-{sig.name}.log"
    log_path.parent.mkdir(exist_ok=True)
    started = time.monotonic()
    with transaction.atomic():  # published after the commit, one message per email
        for i in range(n):
            queue_email(
                "attachment_ended",  # its subject names the structure: one per email here
                to=f"person-{i}@{DOMAIN}",
                context={
                    "person": {"first_name": f"Personne {i}"},
                    "structure": {"name": f"Soak {sig.name} {i}"},
                },
            )

    received_at_kill = []
    with open(log_path, "wb") as log:
        worker = start_worker(port, database, log)
        try:
            for k in range(1, kills + 1):
                share = n * k // (kills + 1)
                if not wait_until(lambda s=share: sink.count() >= s, timeout=300):
                    raise RuntimeError(f"the worker delivered only {sink.count()} of {share}")
                stop(worker, sig)
                received_at_kill.append(sink.count())
                worker = start_worker(port, database, log)
            # Let the last worker empty the queue: stop when nothing moves for 5 s.
            last, still_since = -1, time.monotonic()
            deadline = time.monotonic() + 600
            while time.monotonic() < deadline:
                unsent = Email.objects.unsent().count()
                if unsent == 0:
                    break
                if unsent != last:
                    last, still_since = unsent, time.monotonic()
                elif time.monotonic() - still_since > 5:
                    break
                time.sleep(0.2)
        finally:
            stop(worker, signal.SIGTERM)
    left_for_sweep = Email.objects.unsent().count()
    sweeps = swept = 0
    while Email.objects.unsent().exists() and sweeps < 10:
        swept += sweep_unsent_emails(older_than_seconds=0)
        sweeps += 1
    elapsed = time.monotonic() - started
    redis.Redis.from_url(BROKER_URL).flushdb()

    with sink._lock:
        messages = list(sink.messages)
    by_id = Counter(message_id for message_id, _, _ in messages)
    by_subject = Counter((subject, rcpt) for _, subject, rcpt in messages)
    return {
        "signal": sig.name,
        "emails": n,
        "kills": kills,
        "received_at_kills": received_at_kill,
        "messages_received": len(messages),
        "distinct_delivered": len(by_id),
        "duplicates_message_id": sum(c - 1 for c in by_id.values()),
        "duplicates_subject_rcpt": sum(c - 1 for c in by_subject.values()),
        "left_for_sweep": left_for_sweep,
        "sent_by_sweep": swept,
        "sweeps": sweeps,
        "unsent_at_end": Email.objects.unsent().count(),
        "marked_sent": Email.objects.filter(sent_at__isnull=False).count(),
        "gave_up": Email.objects.filter(gave_up=True).count(),
        "seconds": elapsed,
        "missing": n - len(by_id),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="pp_soak")
    parser.add_argument("--emails", type=int, default=1000)
    parser.add_argument("--signals", default="TERM,KILL", help="e.g. TERM,KILL or KILL")
    parser.add_argument("--kills", type=int, default=1, help="kills (and restarts) per run")
    parser.add_argument("--smtp-delay", type=float, default=0.0, help="sink's delay, seconds")
    args = parser.parse_args()
    assert 0 < args.emails <= 10000 and 0 < args.kills <= 20

    port = free_port()
    setup_django(args.database, CELERY_BROKER_URL=BROKER_URL, EMAIL_URL=f"smtp://127.0.0.1:{port}")
    from aiosmtpd.controller import Controller
    from django.conf import settings
    from django.core.management import call_command

    assert settings.IS_POSTGRES and settings.CELERY_BROKER_URL == BROKER_URL
    call_command("migrate", verbosity=0)
    sink = Sink(args.smtp_delay)
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    rows = []
    try:
        for name in args.signals.split(","):
            sig = signal.Signals[f"SIG{name.strip().upper().removeprefix('SIG')}"]
            row = soak(
                sig, n=args.emails, kills=args.kills, database=args.database, sink=sink, port=port
            )
            rows.append(row)
            print(
                f"{row['signal']}: {row['distinct_delivered']}/{row['emails']} delivered, "
                f"{row['duplicates_message_id']} duplicate(s), {row['seconds']:.1f} s",
                flush=True,
            )
    finally:
        controller.stop()

    print()
    print(
        f"{dt.date.today():%Y-%m-%d}, {os.cpu_count()} cores, PostgreSQL `{args.database}`, "
        f"Redis {BROKER_URL}, one solo Celery worker at a time, aiosmtpd sink on 127.0.0.1 "
        f"(delay {args.smtp_delay:g} s); {args.emails} emails per run."
    )
    print()
    print(
        "| signal | kills | received at each kill | delivered (distinct) | missing "
        "| duplicates (Message-ID) | duplicates (subject + recipient) | left for the sweep "
        "| sent by the sweep | unsent at end | time s |"
    )
    print("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for row in rows:
        print(
            f"| {row['signal']} | {row['kills']} | {', '.join(map(str, row['received_at_kills']))} "
            f"| {row['distinct_delivered']} | {row['missing']} | {row['duplicates_message_id']} "
            f"| {row['duplicates_subject_rcpt']} | {row['left_for_sweep']} "
            f"| {row['sent_by_sweep']} | {row['unsent_at_end']} | {row['seconds']:.1f} |"
        )
    failed = [row for row in rows if row["missing"] or row["unsent_at_end"]]
    # A warm shutdown (SIGTERM) finishes the task in hand: no duplicate allowed. A SIGKILL may
    # land between the SMTP reply and the commit: at most one duplicate per kill.
    too_many = [
        row
        for row in rows
        if row["duplicates_message_id"] > (row["kills"] if row["signal"] == "SIGKILL" else 0)
    ]
    if failed or too_many:
        sys.exit("an email was lost, or more duplicates than the kills allow")


if __name__ == "__main__":
    main()
