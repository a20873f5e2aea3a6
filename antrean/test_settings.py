"""Settings of the test suite: the real settings, with fixed keys that exist only for tests.

The real settings refuse to start without their keys when DEBUG is off (production); tests
run with DEBUG off too, so they bring their own. Set here in the environment, so that the
servers and workers the tests start as subprocesses inherit the same keys.
"""

import base64
import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-" + "t" * 40)
os.environ.setdefault(
    "ANTREAN_DATA_KEYS", base64.b64encode(b"test-only-data-key-32-bytes-long").decode()
)
os.environ.setdefault(
    "ANTREAN_HASH_KEY", base64.b64encode(b"test-only-hash-key-32-bytes-long").decode()
)

from antrean.settings import *  # noqa: F403
