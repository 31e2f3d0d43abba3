# ParcoursPro — one image for the web server, the Celery worker and Celery beat.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app

COPY requirements.lock ./
RUN pip install -r requirements.lock

COPY . .

# Static files are collected at build time with the production storage (hashed names,
# compressed), which is only selected when DEBUG is off.
RUN DEBUG=false SECRET_KEY=collectstatic-only-not-a-secret python manage.py collectstatic --noinput

RUN useradd --system --uid 1000 --home-dir /app parcourspro && chown -R parcourspro /app
USER parcourspro

EXPOSE 8000
CMD ["gunicorn", "parcourspro.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
