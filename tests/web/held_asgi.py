"""backend.asgi's application plus two test-only paths:

- `/__held__` (HTTP), whose answer the test holds back: the request marks HELD_DIR/started
  when it arrived and answers once the test creates HELD_DIR/release. So a test can send
  SIGTERM while a request is surely in flight.
- `/__stubborn__` (WebSocket), an application instance that ignores its cancellation, as a
  buggy handler would: it must not keep a stopping process alive."""

import asyncio
import os
from pathlib import Path

from backend.asgi import application as backend_application  # sets Django up first

HELD = Path(os.environ["HELD_DIR"])


async def application(scope, receive, send):
    if scope["type"] == "http" and scope["path"] == "/__held__":
        (HELD / "started").touch()
        while not (HELD / "release").exists():
            await asyncio.sleep(0.02)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"answered"})
        return
    if scope["type"] == "websocket" and scope["path"] == "/__stubborn__":
        await receive()  # websocket.connect
        await send({"type": "websocket.accept"})
        (HELD / "stubborn").touch()
        while True:
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                continue
    await backend_application(scope, receive, send)
