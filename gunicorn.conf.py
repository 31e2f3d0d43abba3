"""gunicorn's settings file, read from the working directory by default (the Dockerfile's and
docker-compose.yml's `gunicorn parcourspro.wsgi:application …`; bench/rush imports it too).

Each worker freezes what loading the application created (Django, the apps, the URLconf, the
templates' engines: about 150,000 objects) out of the garbage collector's reach
(`gc.freeze()`, Python's documented API): they live as long as the worker, and each full
collection walked them all again, about 60 ms at a time (docs/PERFORMANCE.md).
"""

import gc


def post_worker_init(worker):
    """Called by gunicorn in each worker once the application is loaded."""
    gc.collect()
    gc.freeze()
