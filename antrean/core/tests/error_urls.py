"""The site's URLs plus two views that fail on purpose, for the error page tests."""

from django.core.exceptions import PermissionDenied
from django.urls import path

from antrean.urls import handler400, handler403, handler404, handler500, urlpatterns

__all__ = ["handler400", "handler403", "handler404", "handler500", "urlpatterns"]


class Boom(Exception):
    pass


def forbidden(request):
    raise PermissionDenied("Only for developers' eyes: an English reason")


def broken(request):
    raise Boom("a bug")


urlpatterns = [
    path("uji/terlarang/", forbidden),
    path("uji/rusak/", broken),
    path("api/uji/rusak/", broken),
    *urlpatterns,
]
