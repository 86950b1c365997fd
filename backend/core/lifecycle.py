"""The web process's life: whether it is draining (a SIGTERM arrived, it takes no new work).

The ASGI runner (backend/web/server.py) sets the flag; readiness reports 503 while it is set,
so a load balancer that still asks this process stops sending it requests."""

import threading

_draining = threading.Event()


def begin_draining() -> None:
    _draining.set()


def is_draining() -> bool:
    return _draining.is_set()
