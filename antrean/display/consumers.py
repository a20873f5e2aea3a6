"""WebSocket consumers: the hall's TV board and a citizen's live status page.

Both join their office's group (display.events.office_group). On connect, and on every
reconnect, the client gets the full state first, so a dropped connection never leaves a stale
screen.
"""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from antrean.display.events import office_group
from antrean.display.selectors import board_snapshot, office_by_code


class BoardConsumer(AsyncJsonWebsocketConsumer):
    async def connect(self):
        code = self.scope["url_route"]["kwargs"]["office_code"]
        self.office = await database_sync_to_async(office_by_code)(code)
        if self.office is None:
            await self.close(code=4404)
            return
        self.group = office_group(self.office.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self._snapshot()

    async def disconnect(self, code):
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        if content.get("type") == "resync":
            await self._snapshot()

    async def _snapshot(self):
        snapshot = await database_sync_to_async(board_snapshot)(office=self.office)
        await self.send_json({"type": "snapshot", "board": snapshot})

    async def queue_event(self, message):
        await self.send_json({"type": "event", "event": message["event"]})

    async def board_resync(self, message):
        await self._snapshot()


class StatusConsumer(AsyncJsonWebsocketConsumer):
    """A ticket's live status, for its owner's browser session only."""

    async def connect(self):
        from antrean.display.status import owned_ticket_id, ticket_status

        code = self.scope["url_route"]["kwargs"]["code"].upper()
        session = self.scope.get("session")
        ticket_id = await database_sync_to_async(owned_ticket_id)(session, code)
        if ticket_id is None:
            await self.close(code=4403)
            return
        self.ticket_id = ticket_id
        self._status = ticket_status
        status = await database_sync_to_async(ticket_status)(ticket_id=ticket_id)
        self.group = office_group(status["office_id"])
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        self.last = None
        await self._push(status)

    async def disconnect(self, code):
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        if content.get("type") == "resync":
            self.last = None
            await self._push(await database_sync_to_async(self._status)(ticket_id=self.ticket_id))

    async def _push(self, status):
        from antrean.display.status import status_public

        public = status_public(status)
        if public != self.last:
            self.last = public
            await self.send_json({"type": "status", "status": public})

    async def queue_event(self, message):
        await self._push(await database_sync_to_async(self._status)(ticket_id=self.ticket_id))

    async def board_resync(self, message):
        return None
