"""Reading a GraphQL-over-HTTP request ourselves, before Strawberry sees it.

Strawberry's own parsing answers 500 for bodies that are valid JSON but not an object, for
non-UTF-8 bodies, for numbers beyond Python's int_max_str_digits and for lone surrogates that
later fail to encode. Here every such body is refused with a typed 4xx instead.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any

# JSON numbers longer than this are refused: no legitimate variable needs more digits, and
# Python refuses to convert strings of more than 4,300 digits to int (int_max_str_digits).
MAX_NUMBER_DIGITS = 50
# PostgreSQL text cannot hold NUL, and no name, code or address contains one.
NUL_MESSAGE = "Strings in the request must not contain NUL (\\u0000) characters."
JSON_MEDIA_TYPES = ("application/json", "application/graphql-response+json")


class RequestRefused(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass(frozen=True)
class GraphQLRequest:
    query: str
    variables: dict[str, Any] | None
    operation_name: str | None
    extensions: dict[str, Any] | None


def bad_request(message: str) -> RequestRefused:
    return RequestRefused(400, "BAD_REQUEST", message)


def check_content_type(header: str) -> None:
    """Only JSON, and only in UTF-8 (RFC 8259 allows no other charset on the wire)."""
    media_type, _, params = header.partition(";")
    if media_type.strip().lower() not in JSON_MEDIA_TYPES:
        raise RequestRefused(
            415, "UNSUPPORTED_MEDIA_TYPE", "Send the request as Content-Type: application/json."
        )
    for param in params.split(";"):
        name, _, value = param.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() not in (
            "utf-8",
            "utf8",
        ):
            raise RequestRefused(
                415, "UNSUPPORTED_MEDIA_TYPE", "The request body must be UTF-8 encoded JSON."
            )


def _bounded_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise bad_request(f"Numbers in the request may have at most {MAX_NUMBER_DIGITS} digits.")
    return int(text)


def _finite_float(text: str) -> float:
    value = float(text)
    if len(text) > MAX_NUMBER_DIGITS * 2 or not math.isfinite(value):
        raise bad_request("A number in the request is too long or not finite.")
    return value


def _no_constants(name: str) -> float:
    raise bad_request(f"{name} is not valid JSON.")


def _check_strings(value: Any) -> None:
    """Every string must be encodable as UTF-8 (JSON's \\ud800 escapes can smuggle lone
    surrogates that crash later, when a response, a log line or a database write encodes
    them) and free of NUL. Walked without recursion: nesting is bounded only by body size."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            items: list[Any] = [item]
        elif isinstance(item, dict):
            items = list(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
            continue
        else:
            continue
        for text in items:
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                raise bad_request(
                    "The request contains a lone surrogate (an unpaired \\ud800-\\udfff escape)."
                ) from None
            if "\x00" in text:
                raise bad_request(NUL_MESSAGE)


def parse_json_body(body: bytes) -> Any:
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise bad_request("The request body is not valid UTF-8.") from None
    try:
        data = json.loads(
            text,
            parse_int=_bounded_int,
            parse_float=_finite_float,
            parse_constant=_no_constants,
        )
    except (ValueError, RecursionError):  # JSONDecodeError is a ValueError
        raise bad_request("The request body is not valid JSON.") from None
    _check_strings(data)
    return data


def _optional(data: dict, key: str, kind: type, what: str) -> Any:
    value = data.get(key)
    if value is not None and not isinstance(value, kind):
        raise bad_request(f"`{key}` must be {what} or null.")
    return value


def graphql_request(data: Any) -> GraphQLRequest:
    """The GraphQL-over-HTTP request parameters, each checked for its type."""
    if isinstance(data, list):
        raise bad_request("Batched requests are not supported: send one operation per request.")
    if not isinstance(data, dict):
        raise bad_request("The request body must be a JSON object with a `query`.")
    query = data.get("query")
    if not isinstance(query, str) or not query.strip():
        raise bad_request("`query` must be a non-empty string.")
    return GraphQLRequest(
        query=query,
        variables=_optional(data, "variables", dict, "an object"),
        operation_name=_optional(data, "operationName", str, "a string"),
        extensions=_optional(data, "extensions", dict, "an object"),
    )


def read_post(content_type: str, body: bytes) -> GraphQLRequest:
    check_content_type(content_type)
    return graphql_request(parse_json_body(body))
