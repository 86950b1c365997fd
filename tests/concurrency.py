"""Real threads, each with its own database connection, firing GraphQL requests at once."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from django.db import connection
from django.test import Client

from tests.proof_of_work import with_proofs

# PostgreSQL here allows 100 connections; leave room for the other test workers.
MAX_THREADS = 40


def post_graphql(query: str, variables: dict, **headers: str) -> tuple[int, dict]:
    """One citizen's request, with a solved proof of work where it needs one."""
    client = Client()

    def post(query: str, variables: dict):
        return client.post(
            "/graphql",
            json.dumps({"query": query, "variables": variables}),
            content_type="application/json",
            **headers,
        )

    try:
        variables = with_proofs(lambda q, v: post(q, v).json(), query, variables)
        response = post(query, variables)
        return response.status_code, response.json()
    finally:
        connection.close()


def fire(requests: list[Callable[[], tuple[int, dict]]]) -> list[tuple[int, dict]]:
    """Start all requests together (as far as MAX_THREADS allows) and collect the results."""
    go = threading.Event()

    def run(request):
        go.wait()
        return request()

    with ThreadPoolExecutor(max_workers=min(MAX_THREADS, len(requests))) as pool:
        futures = [pool.submit(run, request) for request in requests]
        go.set()
        return [future.result() for future in futures]
