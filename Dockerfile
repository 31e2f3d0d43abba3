# ParcoursPro — one image for the web server, the Celery worker and Celery beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

# WeasyPrint (the participation documents' PDFs) needs Pango; the font is shipped in the
# project (documents/fonts/), so no font package is needed.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpango-1.0-0 libpangoft2-1.0-0 \
    && rm -rf /var/lib/apt/lists/*

COPY requirements.lock ./
RUN pip install -r requirements.lock

COPY . .

# Static files are collected at build time with the production storage (hashed names,
# compressed), which is only selected when DEBUG is off.
RUN DEBUG=false SECRET_KEY=collectstatic-only-not-a-secret python manage.py collectstatic --noinput

# The generated documents (a volume shared by web and worker in docker-compose.yml).
RUN mkdir -p /app/media/documents
RUN useradd --system --uid 1000 --home-dir /app parcourspro && chown -R parcourspro /app
USER parcourspro

EXPOSE 8000
CMD ["gunicorn", "parcourspro.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
