"""Date and time scalars whose refusals read well.

Strawberry's own parsers append the parser's exception text to the error, e.g. "invalid
literal for int() with base 10", which tells an integrator nothing. Same names, descriptions
and wire format; only the message differs, and it names the format to use.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import dateutil.parser  # type: ignore[import-untyped]
from strawberry.exceptions import StrawberryInputCoercionError
from strawberry.schema.types.base_scalars import (
    DateDefinition,
    DateTimeDefinition,
    TimeDefinition,
)
from strawberry.types.scalar import ScalarDefinition

# Dates at the edges of Python's range overflow as soon as a service converts them to UTC or
# adds a day; no appointment, hold or report is about times outside these years.
FIRST_YEAR, LAST_YEAR = 1900, 2999


def _in_range(value: object) -> bool:
    if isinstance(value, dt.datetime) and value.utcoffset() is not None:
        value = value.astimezone(dt.UTC)  # raises OverflowError at the edges
    year = getattr(value, "year", FIRST_YEAR)
    return FIRST_YEAR <= year <= LAST_YEAR


def _parser(parse: Callable[[str], object], name: str, example: str) -> Callable:
    def parse_value(value: object) -> object:
        if isinstance(value, str):
            try:
                parsed = parse(value)
                if _in_range(parsed):
                    return parsed
            except (ValueError, OverflowError):
                pass
        shown = value if isinstance(value, str | int | float) else type(value).__name__
        raise StrawberryInputCoercionError(
            f'Value cannot represent a {name}: "{shown}". Use ISO 8601 (years {FIRST_YEAR} '
            f"to {LAST_YEAR}), e.g. {example}."
        )

    return parse_value


def _like(definition: ScalarDefinition, parse: Callable) -> ScalarDefinition:
    return ScalarDefinition(
        name=definition.name,
        description=definition.description,
        specified_by_url=definition.specified_by_url,
        serialize=definition.serialize,
        parse_value=parse,
        parse_literal=None,
        origin=definition.origin,
    )


SCALAR_OVERRIDES: dict[object, ScalarDefinition] = {
    dt.datetime: _like(
        DateTimeDefinition,
        _parser(dateutil.parser.isoparse, "DateTime", "2026-03-02T09:00:00+01:00"),
    ),
    dt.date: _like(
        DateDefinition,
        _parser(dt.date.fromisoformat, "Date", "2026-03-02"),
    ),
    dt.time: _like(
        TimeDefinition,
        _parser(dt.time.fromisoformat, "Time", "09:00"),
    ),
}
