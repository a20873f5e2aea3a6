from django.urls import path

from antrean.display import consumers

websocket_urlpatterns = [
    path("ws/display/<slug:office_code>/", consumers.BoardConsumer.as_asgi()),
    path("ws/status/<str:code>/", consumers.StatusConsumer.as_asgi()),
]
