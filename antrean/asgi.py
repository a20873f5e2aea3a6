"""ASGI entry point: HTTP (Django) and WebSockets (Channels) in one application.

The embedded server (`manage.py serve`) runs this with uvicorn, HTTP and WebSockets in one
process (the in-memory channel layer is enough). In production HTTP runs on gunicorn (WSGI)
and a separate uvicorn process serves only the WebSockets, with Redis as the channel layer.
"""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "antrean.settings")

django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from channels.sessions import SessionMiddlewareStack  # noqa: E402

from antrean.display.routing import websocket_urlpatterns  # noqa: E402

# As in antrean.wsgi: the startup's objects stay out of the collector's full passes.
gc.freeze()

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(
            SessionMiddlewareStack(URLRouter(websocket_urlpatterns))
        ),
    }
)
