"""Production settings: everything secure, nothing demo.

Run with DJANGO_SETTINGS_MODULE=config.settings_production. SECRET_KEY and DATABASE_URL must
be set: without them the app refuses to start (ImproperlyConfigured) rather than run on the
development key or an SQLite file.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from .settings import *  # noqa: F401,F403
from .settings import BASE_DIR, env

DEV_KEY_PREFIX = "dev-only-insecure-key"
MIN_SECRET_KEY_LENGTH = 50


def _required(name: str, why: str) -> str:
    value = os.environ.get(name, "").strip()
    if not value:
        raise ImproperlyConfigured(
            f"{name} is not set: production settings refuse to start without it ({why})."
        )
    return value


SECRET_KEY = _required(
    "SECRET_KEY",
    "generate one with: python3 -c 'import secrets; print(secrets.token_urlsafe(64))'",
)
if SECRET_KEY.startswith(DEV_KEY_PREFIX) or len(SECRET_KEY) < MIN_SECRET_KEY_LENGTH:
    raise ImproperlyConfigured(
        f"SECRET_KEY is too weak for production: use a random key of at least "
        f"{MIN_SECRET_KEY_LENGTH} characters, not the development key."
    )
_required("DATABASE_URL", "e.g. postgres://user:password@host:5432/carewfm")

DEBUG = False
DEMO_LOGINS_ALLOWED = False
STATIC_ROOT = env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
