"""Settings of the reference server. Everything that varies comes from the environment,
set by bench/drf/server.sh: OMS_PGHOST (the socket directory), OMS_PGPORT, OMS_DB,
OMS_FILTERS (none | exact | full | full-sort), OMS_PAGE_SIZE_PARAM (page_size | limit), and
OMS_REQUEST_LOG (a file: one line per request with its database time, see reqlog.py)."""
import os

SECRET_KEY = "omslog-bench-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
USE_TZ = True
TIME_ZONE = "UTC"
ROOT_URLCONF = "oms_drf.urls"
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "oms_drf",
]
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
if os.environ.get("OMS_REQUEST_LOG"):
    MIDDLEWARE.insert(0, "oms_drf.reqlog.RequestLog")
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": os.environ.get("OMS_DB", "oms_1000000"),
        "USER": "postgres",
        "HOST": os.environ.get("OMS_PGHOST", "/var/tmp/omslog-drf/run"),
        "PORT": os.environ.get("OMS_PGPORT", "5433"),
        "CONN_MAX_AGE": 600,  # one connection per worker thread, as production runs it
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework.authentication.TokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": None,
}
LOGGING = {"version": 1, "disable_existing_loggers": False}
