"""Fuzzing /graphql on a small budget (the full run of 10,000+ documents is
ops/bench/fuzz.py): no 5xx, no traceback, file path or SQL in any response, nothing logged at
ERROR, whatever the document or body."""

from __future__ import annotations

import logging

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings

from .fuzz_graphql import ErrorLog, bodies, leak_in

pytestmark = pytest.mark.django_db


@settings(
    max_examples=300,
    deadline=None,
    database=None,  # no example database under .hypothesis/
    derandomize=True,  # the same documents on every run: CI never fails by chance
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(request=bodies())
def test_no_document_or_body_gets_a_5xx_a_leak_or_an_error_log(demo, request):
    body, content_type = request
    errors = ErrorLog()
    logging.getLogger().addHandler(errors)
    try:
        response = Client().post("/graphql", body, content_type=content_type)
    finally:
        logging.getLogger().removeHandler(errors)

    assert response.status_code < 500, response.content
    assert leak_in(response.content, body) is None, response.content
    assert [r.getMessage() for r in errors.records] == []
