"""What the stack test's people do, over the proxy: a citizen books as the booking page does
(hold, then book with an idempotency key and proofs of work; a lost answer is retried with the
same key), a kiosk draws a ticket, a clerk calls it, and call displays follow the board over
graphql-transport-ws (directly on a web process or through the proxy)."""

from __future__ import annotations

import contextlib
import http.client
import json
import re
import ssl
import threading
import time
import uuid
from dataclasses import dataclass

from tests.proof_of_work import solved_proof
from tests.stack.stack import Https

TRANSPORT_ERRORS = (OSError, http.client.HTTPException)
RETRIED_STATUSES = (502, 503, 504)

SLOTS = """query Slots($s: ID!, $l: ID!, $d: Date!) {
  availableSlots(service: $s, location: $l, date: $d) { start remaining } }"""
HOLD = """mutation Hold($input: HoldSlotInput!) {
  holdSlot(input: $input) { hold { id } holdSecret errors { code } } }"""
BOOK = """mutation Book($input: BookAppointmentInput!) {
  bookAppointment(input: $input) { booking { code } errors { code } } }"""
PAIR = """mutation Pair($input: PairDeviceInput!) {
  pairDevice(input: $input) { token errors { code } } }"""
DRAW = """mutation Draw($input: DrawTicketInput!) {
  drawTicket(input: $input) { ticket { number } errors { code } } }"""
LOG_IN = """mutation LogIn($input: LogInInput!) {
  logIn(input: $input) { errors { code } } }"""
SIGN_IN = """mutation SignIn($input: ServicePointInput!) {
  signInToServicePoint(input: $input) { errors { code } } }"""
CALL_NEXT = """mutation CallNext($input: ServicePointInput!) {
  callNextTicket(input: $input) { ticket { number status } errors { code } } }"""
BOARD = """subscription Board($location: ID!) {
  queueDisplay(location: $location) { called { number servicePoint } updatedAt } }"""


class Retry(Exception):
    """The answer was lost or the proxy had no process for it: send the same request again."""


def _post(client: Https, query: str, variables: dict) -> dict:
    try:
        answer = client.post_graphql(query, variables)
    except TRANSPORT_ERRORS as exc:
        raise Retry(type(exc).__name__) from exc
    if answer.status in RETRIED_STATUSES:
        raise Retry(str(answer.status))
    assert answer.status == 200, (answer.status, answer.body[:300])
    return answer.json()


def with_retries(call, attempts: int = 20):
    """`call()` again on a lost answer (a web process stopping under it), as the page lets
    the citizen press again; the count of retries is returned with the result."""
    for retry in range(attempts):
        try:
            return call(), retry
        except Retry:
            continue
    raise AssertionError(f"no answer after {attempts} attempts")


@dataclass
class BookingOutcome:
    key: str
    code: str | None
    errors: list[str]
    retries: int


def book(client: Https, office: dict, start: str, who: str) -> BookingOutcome:
    """One citizen's booking: hold the start, then book it from the hold with one idempotency
    key for every try (a retry after a lost answer replays the first result)."""

    def hold() -> dict:
        proof = solved_proof(lambda q, v: _post(client, q, v), "HOLD_SLOT")
        variables = {
            "input": {
                "service": office["pool"],
                "location": office["location"],
                "start": start,
                "proof": proof,
            }
        }
        return _post(client, HOLD, variables)["data"]["holdSlot"]

    held, hold_retries = with_retries(hold)
    assert not held["errors"], held["errors"]
    key = str(uuid.uuid4())

    def attempt() -> dict:
        proof = solved_proof(lambda q, v: _post(client, q, v), "BOOK_APPOINTMENT")
        variables = {
            "input": {
                "hold": held["hold"]["id"],
                "holdSecret": held["holdSecret"],
                "name": "Stack Bürger",
                "email": f"{who}@example.org",
                "idempotencyKey": key,
                "proof": proof,
            }
        }
        return _post(client, BOOK, variables)["data"]["bookAppointment"]

    booked, book_retries = with_retries(attempt)
    code = booked["booking"]["code"] if booked["booking"] else None
    return BookingOutcome(
        key, code, [e["code"] for e in booked["errors"]], hold_retries + book_retries
    )


def first_start(client: Https, office: dict, day: str) -> str:
    slots = client.graphql(SLOTS, {"s": office["pool"], "l": office["location"], "d": day})
    starts = [s["start"] for s in slots["availableSlots"] if s["remaining"] > 0]
    assert starts, f"no free start on {day}"
    return starts[0]


# --- the queue ------------------------------------------------------------------------------


def pairing_code(pair_device_output: str) -> str:
    found = re.search(r"pairing code (\S+) ", pair_device_output)
    assert found, pair_device_output
    return found.group(1)


def pair_kiosk(client: Https, code: str) -> str:
    data = client.graphql(PAIR, {"input": {"code": code, "kind": "kiosk"}})
    assert not data["pairDevice"]["errors"], data
    return data["pairDevice"]["token"]


def draw_ticket(client: Https, office: dict, token: str) -> str:
    variables = {"input": {"service": office["walk_in"], "location": office["location"]}}

    def draw() -> dict:
        try:
            answer = client.post_graphql(DRAW, variables, token=token)
        except TRANSPORT_ERRORS as exc:
            raise Retry(type(exc).__name__) from exc
        if answer.status in RETRIED_STATUSES:
            raise Retry(str(answer.status))
        assert answer.status == 200, (answer.status, answer.body[:300])
        return answer.json()

    body, _ = with_retries(draw)
    assert "errors" not in body, body
    data = body["data"]["drawTicket"]
    assert not data["errors"], data
    return data["ticket"]["number"]


def clerk_signs_in(client: Https, office: dict, username: str, password: str) -> None:
    client.request("GET", "/staff/")  # the console page sets the CSRF cookie
    data = client.graphql(LOG_IN, {"input": {"username": username, "password": password}})
    assert not data["logIn"]["errors"], data
    data = client.graphql(SIGN_IN, {"input": {"servicePoint": office["counter"]}})
    assert not data["signInToServicePoint"]["errors"], data


def call_next(client: Https, office: dict) -> str:
    def call() -> dict:
        return _post(client, CALL_NEXT, {"input": {"servicePoint": office["counter"]}})

    body, _ = with_retries(call)
    assert "errors" not in body, body
    result = body["data"]["callNextTicket"]
    assert not result["errors"], result
    return result["ticket"]["number"]


# --- call displays ---------------------------------------------------------------------------


class Board:
    """A call display's socket: graphql-transport-ws, queueDisplay for one location.

    With `reconnect`, it behaves like the display page (frontend_static/lib/live.js): when the
    server goes away (close 1001 while a web process drains) it opens a new socket, which the
    proxy hands to a process that is up, and the subscription's first event is the board as it
    is now. A thread reads events and records when each called number first appeared."""

    def __init__(
        self,
        name: str,
        url: str,
        origin: str,
        location: str,
        context: ssl.SSLContext | None = None,
        reconnect: bool = False,
    ):
        self.name = name
        self.url = url
        self.origin = origin
        self.location = location
        self.context = context
        self.reconnect = reconnect
        self.seen: dict[str, float] = {}  # number -> monotonic time it first appeared
        self.connections = 0
        self.closes: list[int | None] = []
        self.error: BaseException | None = None
        self._changed = threading.Condition()
        self._stop = threading.Event()
        self._ws = None
        self._sockets = contextlib.ExitStack()
        self._open()
        self._thread = threading.Thread(target=self._read, daemon=True, name=name)
        self._thread.start()

    def _open(self) -> None:
        from websockets.sync.client import connect

        if self._ws is not None:
            self._sockets.close()
        self._sockets = contextlib.ExitStack()
        self._ws = self._sockets.enter_context(
            connect(
                self.url,
                subprotocols=["graphql-transport-ws"],
                origin=self.origin,
                ssl=self.context,
                open_timeout=30,
            )
        )
        self._ws.send(json.dumps({"type": "connection_init"}))
        ack = json.loads(self._ws.recv(30))
        assert ack == {"type": "connection_ack"}, ack
        payload = {"query": BOARD, "variables": {"location": self.location}}
        self._ws.send(json.dumps({"id": "board", "type": "subscribe", "payload": payload}))
        self.connections += 1

    def _read(self) -> None:
        from websockets.exceptions import ConnectionClosed

        while not self._stop.is_set():
            try:
                message = json.loads(self._ws.recv())
            except ConnectionClosed as closed:
                self.closes.append(closed.rcvd.code if closed.rcvd else None)
                if self._stop.is_set() or not self.reconnect:
                    return
                self._reopen()
                continue
            except BaseException as exc:
                self.error = exc
                return
            if message["type"] == "ping":
                self._ws.send(json.dumps({"type": "pong"}))
                continue
            if message["type"] != "next":
                self.error = AssertionError(message)
                return
            board = message["payload"]["data"]["queueDisplay"]
            now = time.monotonic()
            with self._changed:
                for call in board["called"]:
                    self.seen.setdefault(call["number"], now)
                self._changed.notify_all()

    def _reopen(self) -> None:
        """Until a new socket is up (the page retries with a growing delay; a process is up
        again within seconds here, so a short fixed one keeps the gap measurable)."""
        deadline = time.monotonic() + 120
        while not self._stop.is_set():
            try:
                self._open()
                return
            except Exception:
                if time.monotonic() > deadline:
                    raise
                self._stop.wait(0.2)

    def wait_for(self, number: str, timeout: float = 60.0) -> float:
        """The moment `number` first appeared on this board (waits for it)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while number not in self.seen:
                assert self.error is None, f"{self.name}: {self.error!r}"
                left = deadline - time.monotonic()
                assert left > 0, f"{self.name} never showed {number} (saw {sorted(self.seen)})"
                self._changed.wait(min(left, 1.0))
            return self.seen[number]

    def close(self) -> None:
        self._stop.set()
        self._sockets.close()
        self._thread.join(timeout=10)
