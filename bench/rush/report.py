"""The rush's report (run.py writes it after each run, `--report-only` again): Locust's
figures by page kind, the CPU of each process and of each page kind and person in
gunicorn, the sizing at a target rate, the rules after the run. Markdown."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
from collections import Counter, defaultdict
from pathlib import Path


def _workers(args) -> str:
    threads = getattr(args, "threads", 1)
    if threads > 1:
        return f"{args.workers} gthread workers of {threads} threads"
    return f"{args.workers} sync workers"


def locust_stats(prefix: Path) -> list[dict]:
    """Locust's rows by page kind, then its « Aggregated » row last."""
    with open(f"{prefix}_stats.csv") as stats:
        rows = list(csv.DictReader(stats))
    return sorted(rows, key=lambda row: row["Name"] == "Aggregated")


def worker_cpu(directory: Path) -> tuple[dict[str, list[float]], dict[str, float]]:
    """Each request's CPU in its gunicorn worker (ms), by page kind; and the seconds of it
    by who asked (professional, approver, visitor), as gunicorn_conf.py wrote them."""
    by_kind = defaultdict(list)
    by_person: Counter[str] = Counter()
    for path in directory.glob("worker-*.jsonl"):
        for line in path.read_text().splitlines():
            name, _, cpu, _, *person = json.loads(line)
            person = person[0] if person else ""
            by_kind[name].append(cpu)
            by_person[person or "other"] += cpu / 1000
    return by_kind, dict(by_person)


def worker_time(directory: Path) -> tuple[dict[str, list[float]], list[float]]:
    """Each request's time in its gunicorn worker (ms, from its start to the end of its
    response), by page kind; and each worker's seconds busy serving requests."""
    by_kind = defaultdict(list)
    busy = []
    for path in sorted(directory.glob("worker-*.jsonl")):
        seconds = 0.0
        for line in path.read_text().splitlines():
            name, _, _, spent, *_ = json.loads(line)
            by_kind[name].append(spent)
            seconds += spent / 1000
        busy.append(seconds)
    return by_kind, busy


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(share * len(ordered)) - 1)] if ordered else 0.0


def waiting(time_by_kind, busy, *, wall: float, aggregated: dict) -> list[str]:
    """Where Locust's time goes: in the workers, or waiting for one. A sync worker serves one
    request at a time; the time a request waits for a free one is Locust's minus gunicorn's."""
    spent = [ms for times in time_by_kind.values() for ms in times]
    if not spent or not busy:
        return []
    shares = ", ".join(f"{seconds / wall:.0%}" for seconds in busy)
    return [
        "",
        f"In gunicorn (a request's start to the end of its response): p50 "
        f"{_percentile(spent, 0.5):.0f} ms, p95 {_percentile(spent, 0.95):.0f} ms over all "
        f"requests, against Locust's {aggregated['50%']} and {aggregated['95%']} ms. The workers "
        f"were busy serving requests {shares} of the rush: the rest of Locust's time is a "
        "request waiting for a free worker (and the load generator's own delays on the same "
        "cores). Fewer CPU-seconds a request or more cores shorten that wait (the sizing below).",
    ]


SERVER_PARTS = {
    "gunicorn (workers and master)": "application nodes (gunicorn)",
    "postgres backends": "PostgreSQL",
    "celery worker and beat": "Celery worker and beat",
    "redis (shared)": "Redis",
}


def sizing(cpu_used, by_person, *, validated: int, wall: float, target: int) -> list[str]:
    """The cores each part needs at `target` validations a minute. The application's load is
    the professionals' (their whole journeys' CPU in gunicorn, by validation) at the target
    rate, plus the approvers' and visitors' as they were (by second), plus gunicorn's own
    work between requests (its processes' CPU over the requests'); the other parts follow
    the application's load in the proportion measured. Provisioned at half busy: sync
    workers queue the requests when all are busy, headroom keeps those waits — the p95 —
    near the pages' own times."""
    served = sum(by_person.values())
    gunicorn = cpu_used.get("gunicorn (workers and master)", 0.0)
    if not validated or not served or not gunicorn:
        return []
    journey = by_person.get("professional", 0.0) / validated
    others = (served - by_person.get("professional", 0.0)) / wall
    overhead = gunicorn / served
    app_busy = (journey * target / 60 + others) * overhead
    scale = app_busy / (gunicorn / wall)
    lines = [
        "",
        f"Sizing at {target} validations a minute: a professional's journey costs "
        f"{journey * 1000:.0f} ms of CPU in gunicorn; approvers and visitors "
        f"{others:.2f} core as in this rush; gunicorn's work between requests "
        f"{(overhead - 1):.0%} more.",
        "",
        "| part | cores busy in this rush | cores busy at the target | at half busy |",
        "| --- | ---: | ---: | ---: |",
    ]
    total = 0.0
    for kind, part in SERVER_PARTS.items():
        measured = cpu_used.get(kind, 0.0) / wall
        busy = app_busy if kind.startswith("gunicorn") else measured * scale
        total += busy
        lines.append(f"| {part} | {measured:.2f} | {busy:.2f} | {busy * 2:.1f} |")
    lines.append(f"| all | | {total:.2f} | {total * 2:.1f} |")
    return lines


# Issue 26's machine, by the same measure: « Django's PBKDF2 at 1,000,000 iterations costs
# about 0.25 s a login ».
ISSUE_MACHINE_PBKDF2_MS = 250


def _speed(build_info) -> str:
    """The machine's speed before and after the run: a password check's CPU (run.py), and
    Django's PBKDF2 set beside issue 26's machine."""
    before = build_info.get("password_check_ms")
    after = build_info.get("password_check_after_ms")
    if not before:
        return ""
    text = f"; a password check {before} ms before the run" + (f", {after} after" if after else "")
    pbkdf2 = build_info.get("pbkdf2_check_ms")
    if pbkdf2:
        text += (
            f"; Django's PBKDF2 {pbkdf2:.0f} ms a check, {pbkdf2 / ISSUE_MACHINE_PBKDF2_MS:.2f} "
            f"times issue 26's machine"
        )
    return text


def _client(args) -> str:
    """The load generator's HTTP client (locustfile.py: RUSH_HTTP_CLIENT)."""
    client = getattr(args, "http_client", "fast")
    return "FastHttpUser" if client == "fast" else "HttpUser (requests)"


def report(
    *,
    args,
    stats,
    cpu_by_kind,
    cpu_by_person,
    cpu_used,
    wall,
    results,
    outcome,
    build_info,
    time_by_kind=None,
    busy=(),
) -> str:
    time_by_kind = time_by_kind or {}
    aggregated = stats[-1]
    validated = len(outcome["validated"])
    when = build_info.get("when") or f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M}"
    lines = [
        f"Rush of {when} UTC, commit `{build_info['commit']}`, "
        f"{os.cpu_count()} cores (load average before: {build_info['load']}{_speed(build_info)}): "
        f"{args.professionals} professionals, {args.approvers} approvers, {args.visitors} "
        f"visitors; {args.rate:g} validations a second offered for {args.duration} s; gunicorn "
        f"{_workers(args)}, a Celery worker, Redis, PostgreSQL `{args.database}_run`; "
        f"Locust's {_client(args)}.",
        "",
        "| measured | value |",
        "| --- | ---: |",
        f"| requests served | {aggregated['Request Count']} "
        f"({float(aggregated['Requests/s']):.1f} a second) |",
        f"| failures | {aggregated['Failure Count']} |",
        f"| validations (confirmation page reached) | {validated} "
        f"({validated / wall * 60:.0f} a minute) |",
        f"| carts refused by a rule | {outcome['refused']} |",
        f"| journeys started (offered: {args.rate * args.duration:.0f}) | {outcome['journeys']} |",
        f"| journeys that reached « Valider mon panier » | {outcome['offered']} |",
        f"| approvers' decisions | {outcome['decisions']} |",
        f"| p50 / p95, all requests | {aggregated['50%']} / {aggregated['95%']} ms |",
        "",
        "| page kind | requests | failures | p50 ms | p95 ms | p95 in gunicorn, ms | "
        "gunicorn CPU ms, mean | CPU s in all |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in sorted(stats[:-1], key=lambda r: r["Name"]):
        cpu = cpu_by_kind.get(row["Name"], [])
        mean = f"{sum(cpu) / len(cpu):.1f}" if cpu else "—"
        spent = time_by_kind.get(row["Name"], [])
        inside = f"{_percentile(spent, 0.95):.0f}" if spent else "—"
        lines.append(
            f"| {row['Name']} | {row['Request Count']} | {row['Failure Count']} | "
            f"{row['50%']} | {row['95%']} | {inside} | {mean} | {sum(cpu) / 1000:.1f} |"
        )
    lines += waiting(time_by_kind, busy, wall=wall, aggregated=aggregated)
    total = sum(cpu_used.values())
    lines += [
        "",
        f"CPU during the rush ({wall:.0f} s, {os.cpu_count() * wall:.0f} CPU-seconds offered):",
        "",
        "| process | CPU s | share | ms a request | ms a validation |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    requests = int(aggregated["Request Count"]) or 1
    for name, seconds in sorted(cpu_used.items(), key=lambda kv: -kv[1]):
        lines.append(
            f"| {name} | {seconds:.1f} | {seconds / total:.0%} | "
            f"{seconds * 1000 / requests:.1f} | {seconds * 1000 / max(validated, 1):.0f} |"
        )
    lines += [
        "",
        "| who | gunicorn CPU s | per validation, ms |",
        "| --- | ---: | ---: |",
    ]
    for person, seconds in sorted(cpu_by_person.items()):
        lines.append(f"| {person} | {seconds:.1f} | {seconds * 1000 / max(validated, 1):.0f} |")
    lines += sizing(cpu_used, cpu_by_person, validated=validated, wall=wall, target=args.target)
    lines += ["", "| rule after the run | holds | figures |", "| --- | --- | --- |"]
    for sentence, holds, detail in results:
        lines.append(f"| {sentence} | {'yes' if holds else '**NO**'} | {detail} |")
    return "\n".join(lines)
