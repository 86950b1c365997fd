"""Hostile-client fuzzing of /graphql, shared by tests/schema/test_fuzz.py (a small budget in
CI) and ops/bench/fuzz.py (the full run): hypothesis-graphql generates valid documents and
documents with one schema violation against the production schema (DEBUG off), plus raw text
and malformed bodies, and every response is checked for what a client must never see."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field

from django.conf import settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, from_schema, nodes

from schema.build import build_schema

PRODUCTION_SDL = str(build_schema(debug=False))

CUSTOM_SCALARS = {
    "Date": st.dates().map(str).map(nodes.String),
    "DateTime": st.datetimes().map(lambda d: d.isoformat() + "+01:00").map(nodes.String),
    "Time": st.times().map(str).map(nodes.String),
    "Decimal": st.decimals(allow_nan=False, allow_infinity=False).map(str).map(nodes.String),
}

# What a response body must never contain: a traceback, a source path, SQL or driver names.
# Django's SQL quotes its table names: `SELECT ... FROM "catalog_service"`.
LEAKS = re.compile(
    r"Traceback \(most recent|File \"|\w\.py\b|site-packages|"
    + re.escape(str(settings.BASE_DIR))
    + r"|"
    r"\bSELECT\b[^\n]{0,300}?\bFROM \"|\bINSERT INTO \"|\bUPDATE \"\w+\" SET|"
    r"sqlite3|psycopg|IntegrityError|OperationalError|ProgrammingError|<html|<!DOCTYPE"
)

Body = tuple[bytes, str]  # (raw body, Content-Type)


def _json_body(document: str, variables: object = None) -> Body:
    payload = {"query": document, "variables": variables}
    return json.dumps(payload).encode(), "application/json"


def _raw(data: bytes) -> Body:
    return data, "application/json"


def bodies() -> st.SearchStrategy[Body]:
    """Valid and invalid documents, in valid and broken request bodies."""
    valid = from_schema(PRODUCTION_SDL, custom_scalars=CUSTOM_SCALARS, mode=Mode.POSITIVE)
    invalid = from_schema(PRODUCTION_SDL, custom_scalars=CUSTOM_SCALARS, mode=Mode.NEGATIVE)
    json_values = st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
        lambda children: (
            st.lists(children, max_size=3)
            | st.dictionaries(st.text(max_size=5), children, max_size=3)
        ),
        max_leaves=8,
    )
    return st.one_of(
        valid.map(_json_body),
        invalid.map(_json_body),
        st.tuples(valid, json_values).map(lambda pair: _json_body(pair[0], pair[1])),
        st.text(max_size=200).map(_json_body),
        json_values.map(lambda v: _raw(json.dumps(v).encode())),
        st.binary(max_size=200).map(_raw),
    )


@dataclass
class ErrorLog(logging.Handler):
    """Collects every record at ERROR or above while installed on the root logger."""

    records: list[logging.LogRecord] = field(default_factory=list)

    def __post_init__(self):
        logging.Handler.__init__(self, level=logging.ERROR)

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def __hash__(self) -> int:
        return id(self)


def leak_in(content: bytes, request: bytes) -> str | None:
    """The first leak in a response, ignoring text the request itself sent (error messages
    quote the document, so a generated string may contain anything)."""
    sent = request.decode("utf-8", errors="replace")
    sent_unescaped = json.dumps(sent)
    for match in LEAKS.finditer(content.decode("utf-8", errors="replace")):
        if match.group(0) not in sent and match.group(0) not in sent_unescaped:
            return match.group(0)
    return None
