"""The WhatsApp fixtures (the local Cloud API server) come from the notifications tests."""

from antrean.notifications.tests.conftest import cloud_api, files_in_tmp  # noqa: F401
