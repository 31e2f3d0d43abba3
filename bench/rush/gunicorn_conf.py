"""gunicorn's server hooks for the rush (`gunicorn -c bench/rush/gunicorn_conf.py`, with the
Dockerfile's other arguments): the CPU time each request costs, from the request's start to
the end of its response (`resource.getrusage` of the thread that serves it: a sync worker's
only thread, or one of a gthread worker's),
recorded by kind (kinds.py) and by who asked (the X-Rush-Person header the locustfile sends:
professional, approver, visitor) in one JSON-lines file per worker under RUSH_CPU_DIR."""

import json
import os
import resource
import runpy
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from kinds import kind  # noqa: E402

# The project's own settings file (gunicorn reads only one, and -c names this one): its
# worker hook too, as the Dockerfile's gunicorn runs it.
post_worker_init = runpy.run_path(str(Path(__file__).resolve().parents[2] / "gunicorn.conf.py"))[
    "post_worker_init"
]

_OUT = Path(os.environ.get("RUSH_CPU_DIR", "."))
_rows: list[str] = []
_flushing = threading.Lock()
_started = threading.local()  # a thread serves one request at a time


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_THREAD)
    return usage.ru_utime + usage.ru_stime


def pre_request(worker, req):
    _started.cpu, _started.wall = _cpu(), time.perf_counter()


def post_request(worker, req, environ, resp):
    cpu, wall = _started.cpu, _started.wall
    status = getattr(resp, "status_code", 0) or int(str(getattr(resp, "status", "0")).split()[0])
    person = next((value for name, value in req.headers if name == "X-RUSH-PERSON"), "")
    _rows.append(
        json.dumps(
            [
                kind(req.method, req.path, req.query or ""),
                status,
                round((_cpu() - cpu) * 1000, 3),
                round((time.perf_counter() - wall) * 1000, 3),
                person,
            ]
        )
    )
    if len(_rows) >= 100:
        _flush(worker)


def _flush(worker):
    with _flushing:
        rows = _rows[:]
        del _rows[: len(rows)]
    if rows:
        with _flushing, open(_OUT / f"worker-{worker.pid}.jsonl", "a") as out:
            out.write("\n".join(rows) + "\n")


def worker_exit(server, worker):
    _flush(worker)
