"""Channels' own test communicator, without its live-server helper.

`channels.testing/__init__.py` also imports ChannelsLiveServerTestCase, which needs daphne;
this project serves with uvicorn and does not install daphne. When that import fails, the
package is registered empty and its modules are imported one by one: the communicator is
Channels' unchanged class.
"""

import importlib.util
import sys
import types

try:
    from channels.testing import WebsocketCommunicator
except ModuleNotFoundError as error:
    if error.name != "daphne":
        raise
    _spec = importlib.util.find_spec("channels")
    _package = types.ModuleType("channels.testing")
    _package.__path__ = [f"{_spec.submodule_search_locations[0]}/testing"]
    sys.modules["channels.testing"] = _package
    from channels.testing.websocket import WebsocketCommunicator

__all__ = ["WebsocketCommunicator"]
