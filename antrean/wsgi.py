"""WSGI entry point: production HTTP runs this on gunicorn with gthread workers."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "antrean.settings")

application = get_wsgi_application()
