"""One channel-layer listener per location per process, shared by every subscription of the
process that wants that location's queue updates.

Without it, each of 2,000 boards joins the location's Channels group itself, and every change
becomes 2,000 channel-layer messages (each copied, and, in the in-memory layer, each receive
scanning all channels). With it, a change is one message per process, handed to the local
subscribers as the same object in memory."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

from channels.layers import get_channel_layer

from backend.queue.events import MESSAGE_TYPE, group_name

logger = logging.getLogger(__name__)
# Both channel layers drop a group member after group_expiry (1 day by default): an office
# closed over a weekend would get no Monday events. So the feed renews its membership on a
# timer, whether or not anything arrives.
REJOIN_SECONDS = 3600.0
RETRY_SECONDS = (0.5, 1.0, 2.0, 5.0, 10.0)  # after a channel-layer failure (Redis restart)


class LocationFeed:
    def __init__(self, location_id: str):
        self.location_id = location_id
        self.queues: set[asyncio.Queue] = set()
        self.task: asyncio.Task | None = None
        self.joined = asyncio.Event()

    async def _run(self) -> None:
        """Listen until cancelled; after a failure of the layer, log it and listen again."""
        failures = 0
        while True:
            try:
                await self._listen()
            except asyncio.CancelledError:
                raise
            except Exception:
                logger.exception("queue feed of location %s failed; rejoining", self.location_id)
                await asyncio.sleep(RETRY_SECONDS[min(failures, len(RETRY_SECONDS) - 1)])
                failures += 1

    async def _listen(self) -> None:
        layer = get_channel_layer()
        channel = await layer.new_channel()
        group = group_name(self.location_id)
        await layer.group_add(group, channel)
        self.joined.set()
        renew = asyncio.create_task(self._renew(layer, group, channel))
        try:
            while True:
                message = await layer.receive(channel)
                if message.get("type") != MESSAGE_TYPE:
                    continue
                for queue in list(self.queues):
                    queue.put_nowait(message)
        finally:
            renew.cancel()
            with contextlib.suppress(Exception):
                await layer.group_discard(group, channel)

    @staticmethod
    async def _renew(layer, group: str, channel: str) -> None:
        while True:
            await asyncio.sleep(REJOIN_SECONDS)
            try:
                await layer.group_add(group, channel)
            except Exception:
                logger.exception("could not renew the queue feed's group membership")

    async def subscribe(self) -> asyncio.Queue:
        queue: asyncio.Queue = asyncio.Queue()
        self.queues.add(queue)
        if self.task is None or self.task.done():
            self.joined = asyncio.Event()
            self.task = asyncio.create_task(self._run())
        await self.joined.wait()  # in the group before the caller reads the current state
        return queue

    def unsubscribe(self, queue: asyncio.Queue) -> None:
        self.queues.discard(queue)
        if not self.queues and self.task is not None:
            self.task.cancel()
            self.task = None


_feeds: dict[tuple[int, str], LocationFeed] = {}  # per event loop (tests run several)


@contextlib.asynccontextmanager
async def location_updates(location_id) -> AsyncIterator[AsyncIterator[dict[str, Any]]]:
    """`async with location_updates(id) as updates:` joined on entry (read the current state
    then), then `async for message in updates:` yields every queue change of the location."""
    key = (id(asyncio.get_running_loop()), str(location_id))
    feed = _feeds.setdefault(key, LocationFeed(str(location_id)))
    queue = await feed.subscribe()

    async def messages() -> AsyncIterator[dict[str, Any]]:
        while True:
            yield await queue.get()

    try:
        yield messages()
    finally:
        feed.unsubscribe(queue)
        if not feed.queues:
            _feeds.pop(key, None)
