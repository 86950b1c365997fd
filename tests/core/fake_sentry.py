"""A local stand-in for Sentry's ingest: accepts envelopes at /api/<project>/envelope/ (gzip
or plain), as sentry-sdk sends them, and keeps what arrived."""

from __future__ import annotations

import gzip
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ENVELOPE_PATH = re.compile(r"/api/(\d+)/envelope/")


@dataclass
class FakeSentry:
    server: ThreadingHTTPServer
    envelopes: list[str] = field(default_factory=list)
    arrived: threading.Condition = field(default_factory=threading.Condition)

    @property
    def dsn(self) -> str:
        return f"http://0123456789abcdef@127.0.0.1:{self.server.server_address[1]}/42"

    def events(self) -> list[dict]:
        """The event items of every envelope (an envelope is a header line, then per item an
        item header line and its payload line)."""
        found = []
        for envelope in list(self.envelopes):
            lines = envelope.split("\n")
            for header, payload in zip(lines[1::2], lines[2::2], strict=False):
                if json.loads(header).get("type") == "event":
                    found.append(json.loads(payload))
        return found

    def wait_for_event(self, matches, timeout: float) -> dict:
        with self.arrived:
            self.arrived.wait_for(lambda: any(matches(e) for e in self.events()), timeout)
        hits = [event for event in self.events() if matches(event)]
        assert hits, f"no such event arrived; envelopes: {self.envelopes}"
        return hits[0]


def start() -> FakeSentry:
    fake: FakeSentry

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if not ENVELOPE_PATH.fullmatch(self.path):
                self.send_response(404)
                self.end_headers()
                return
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            with fake.arrived:
                fake.envelopes.append(body.decode())
                fake.arrived.notify_all()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args):
            pass

    fake = FakeSentry(ThreadingHTTPServer(("127.0.0.1", 0), Handler))
    threading.Thread(target=fake.server.serve_forever, daemon=True).start()
    return fake
