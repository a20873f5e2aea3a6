"""WSGI entry point: production HTTP runs this on gunicorn with gthread workers."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "antrean.settings")

application = get_wsgi_application()

# What is loaded by now (Django, the apps, every module) lives as long as the process: kept out
# of the garbage collector's full passes, which otherwise walk all of it every few requests of a
# page that makes many objects (the national dashboard's p95 went from 328 to 227 ms:
# docs/benchmarks.md).
gc.freeze()
