# Production image: gunicorn serves the app, the same image runs the Celery worker.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings_production

WORKDIR /app

# Dependencies first (cached until pyproject.toml changes); the project is not a package.
COPY pyproject.toml ./
RUN pip install .

COPY . .

# Static files are collected into the image (whitenoise serves them, hashed and compressed).
# Production settings need a key and a database URL even to collect static files: both are
# throwaways made here (random, never stored), neither is used to sign or connect to anything.
RUN SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
    DATABASE_URL=sqlite:////tmp/collectstatic-only.sqlite3 \
    python manage.py collectstatic --noinput \
    && useradd --system --uid 10001 --home-dir /app carewfm \
    && chown -R carewfm /app/staticfiles

USER carewfm
EXPOSE 8000

CMD ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", \
     "--access-logfile", "-"]
