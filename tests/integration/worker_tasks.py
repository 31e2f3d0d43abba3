"""Tasks that tests/integration/test_worker_redis_restart.py has a real worker run (the worker
imports this module with `--include`): a long task, to be in hand while Redis restarts, and a
short one, to show that the worker still takes new tasks. They write marker files."""

import time
from pathlib import Path

from parcourspro.celery import app


@app.task(acks_late=True)
def hold(seconds: float, marker: str) -> None:
    Path(f"{marker}.started").touch()
    time.sleep(seconds)
    Path(f"{marker}.done").touch()


@app.task
def touch(marker: str) -> None:
    Path(marker).touch()
