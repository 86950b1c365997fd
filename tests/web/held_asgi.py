"""backend.asgi's application plus one test-only path, `/__held__`, whose answer the test
holds back: the request marks HELD_DIR/started when it arrived and answers once the test
creates HELD_DIR/release. So a test can send SIGTERM while a request is surely in flight."""

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
    await backend_application(scope, receive, send)
