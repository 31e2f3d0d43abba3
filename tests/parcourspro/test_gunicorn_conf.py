"""gunicorn.conf.py: read by the Dockerfile's gunicorn from the working directory, its
worker hook freezes what loading the application created out of the collector's reach."""

import gc
import re
import runpy
import subprocess
import sys
from pathlib import Path

from django.conf import settings

CONF = Path(settings.BASE_DIR) / "gunicorn.conf.py"


def test_gunicorn_reads_the_project_settings_file_by_default():
    """As the Dockerfile runs it: no -c, from the project's directory."""
    gunicorn = Path(sys.executable).with_name("gunicorn")
    printed = subprocess.run(
        [str(gunicorn), "--print-config", "parcourspro.wsgi:application"],
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    # Without the file (or elsewhere), gunicorn prints its own default hook,
    # `<PostWorkerInit.post_worker_init()>`.
    assert re.search(r"^post_worker_init\s+= <post_worker_init\(\)>$", printed, re.M)


def test_a_worker_freezes_what_loading_the_application_created():
    hook = runpy.run_path(str(CONF))["post_worker_init"]
    assert gc.get_freeze_count() == 0
    try:
        hook(worker=None)
        assert gc.get_freeze_count() > 1000
    finally:
        gc.unfreeze()
