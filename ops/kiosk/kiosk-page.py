#!/usr/bin/python3
"""Asks the kiosk browser's page over Chromium's DevTools protocol (127.0.0.1 only).

    kiosk-page.py --port 9222 [--timeout 10] href     prints the page's location.href
    kiosk-page.py --port 9222 [--timeout 10] reload   reloads the page

Exits 1 when the browser or its page does not answer in time (a hung renderer answers
DevTools' HTTP list but not an evaluation in the page). Uses Debian's python3-websocket
(websocket-client), which ops/kiosk/setup.sh installs.
"""

import argparse
import json
import sys
import urllib.request

import websocket


def page_socket_url(port: int, timeout: float) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=timeout) as answer:
        targets = json.load(answer)
    pages = [t for t in targets if t.get("type") == "page"]
    if not pages:
        raise RuntimeError("the browser has no page open")
    return pages[0]["webSocketDebuggerUrl"]


def call(port: int, timeout: float, method: str, params: dict) -> dict:
    # No Origin header: Chromium refuses DevTools connections from web origins.
    ws = websocket.create_connection(
        page_socket_url(port, timeout), timeout=timeout, suppress_origin=True
    )
    try:
        ws.send(json.dumps({"id": 1, "method": method, "params": params}))
        while True:
            message = json.loads(ws.recv())
            if message.get("id") == 1:
                if "error" in message:
                    raise RuntimeError(message["error"].get("message", "DevTools error"))
                return message.get("result", {})
    finally:
        ws.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=9222)
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("action", choices=["href", "reload"])
    args = parser.parse_args()
    try:
        if args.action == "href":
            result = call(
                args.port,
                args.timeout,
                "Runtime.evaluate",
                {"expression": "location.href", "returnByValue": True},
            )
            print(result["result"]["value"])
        else:
            call(args.port, args.timeout, "Page.reload", {"ignoreCache": True})
    except (OSError, RuntimeError, KeyError, ValueError, websocket.WebSocketException) as exc:
        print(f"kiosk-page.py: no answer from the page: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
