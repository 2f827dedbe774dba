"""Production settings: everything secure, nothing demo.

Run with DJANGO_SETTINGS_MODULE=config.settings_production. SECRET_KEY must be set.
"""

from .settings import *  # noqa: F401,F403
from .settings import BASE_DIR, env

DEBUG = False
SECRET_KEY = env("SECRET_KEY")
DEMO_LOGINS_ALLOWED = False
STATIC_ROOT = env("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
