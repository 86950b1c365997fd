"""The per-process location feed keeps hearing its location's queue events even when nothing
happens for longer than the channel layer keeps a group member (an office closed over the
weekend must still see Monday's first call on its boards)."""

from __future__ import annotations

import asyncio
import os
import uuid

import pytest
from channels.layers import get_channel_layer
from django.test import override_settings

from backend.queue.events import MESSAGE_TYPE, group_name
from schema import feeds

pytestmark = pytest.mark.asyncio

LAYERS = {"in-memory": {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": {}}}
if os.environ.get("REDIS_URL"):
    LAYERS["redis"] = {
        "BACKEND": "channels_redis.core.RedisChannelLayer",
        "CONFIG": {"hosts": [os.environ["REDIS_URL"]], "prefix": f"feedtest{uuid.uuid4().hex}"},
    }
EXPIRY_SECONDS = 1


async def next_message(updates, timeout: float = 3.0) -> dict:
    return await asyncio.wait_for(updates.__anext__(), timeout)


@pytest.mark.parametrize("layer", sorted(LAYERS))
async def test_a_quiet_feed_still_receives_after_the_group_expiry(layer, monkeypatch):
    config = {**LAYERS[layer], "CONFIG": {**LAYERS[layer]["CONFIG"], "group_expiry": 1}}
    monkeypatch.setattr(feeds, "REJOIN_SECONDS", EXPIRY_SECONDS / 4)
    location = str(uuid.uuid4())
    with override_settings(CHANNEL_LAYERS={"default": config}):
        channel_layer = get_channel_layer()
        async with feeds.location_updates(location) as updates:
            await channel_layer.group_send(group_name(location), {"type": MESSAGE_TYPE, "n": 1})
            assert (await next_message(updates))["n"] == 1

            await asyncio.sleep(EXPIRY_SECONDS * 2.5)  # quiet for longer than the expiry
            await channel_layer.group_send(group_name(location), {"type": MESSAGE_TYPE, "n": 2})
            assert (await next_message(updates))["n"] == 2


async def test_without_renewal_the_layer_would_drop_the_feed(monkeypatch):
    """The test above can fail: with renewal off, the same quiet spell loses the event."""
    monkeypatch.setattr(feeds, "REJOIN_SECONDS", 3600.0)
    config = {"BACKEND": "channels.layers.InMemoryChannelLayer", "CONFIG": {"group_expiry": 1}}
    location = str(uuid.uuid4())
    with override_settings(CHANNEL_LAYERS={"default": config}):
        channel_layer = get_channel_layer()
        async with feeds.location_updates(location) as updates:
            await asyncio.sleep(EXPIRY_SECONDS * 2.5)  # the layer rounds join times down
            await channel_layer.group_send(group_name(location), {"type": MESSAGE_TYPE, "n": 1})
            with pytest.raises(TimeoutError):
                await next_message(updates, timeout=1.0)
