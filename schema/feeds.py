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
REJOIN_SECONDS = 3600  # groups expire in channels-redis (group_expiry, 1 day): rejoin hourly


class LocationFeed:
    def __init__(self, location_id: str):
        self.location_id = location_id
        self.queues: set[asyncio.Queue] = set()
        self.task: asyncio.Task | None = None
        self.joined = asyncio.Event()

    async def _run(self) -> None:
        layer = get_channel_layer()
        channel = await layer.new_channel()
        group = group_name(self.location_id)
        await layer.group_add(group, channel)
        self.joined.set()
        loop = asyncio.get_running_loop()
        joined_at = loop.time()
        try:
            while True:
                message = await layer.receive(channel)
                if loop.time() - joined_at > REJOIN_SECONDS:
                    await layer.group_add(group, channel)
                    joined_at = loop.time()
                if message.get("type") != MESSAGE_TYPE:
                    continue
                for queue in list(self.queues):
                    queue.put_nowait(message)
        finally:
            with contextlib.suppress(Exception):
                await layer.group_discard(group, channel)

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
