"""ASGI entry point: the embedded server (`manage.py serve`) runs this with uvicorn."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "antrean.settings")

application = get_asgi_application()
