"""The load test's server settings: production's (DEBUG off, the collected static files,
secure headers …) served over plain HTTP on loopback, where no TLS proxy stands in front.

Only `loadtest/run.sh` uses it (DJANGO_SETTINGS_MODULE=loadtest.settings): the browser-side
cookie flags and the HTTPS redirect would otherwise keep an HTTP client from logging in.
"""

from config.settings_production import *  # noqa: F401,F403

SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
