from zoneinfo import ZoneInfo, available_timezones

import holidays
from django.core.exceptions import ValidationError

from backend.core.origins_syntax import origin_or_none


def validate_timezone(value: str) -> None:
    if value not in available_timezones():
        raise ValidationError(f"Unknown time zone: {value}")


def validate_holiday_region(value: str) -> None:
    """'DE-NW' = country DE, subdivision NW, as the holidays package names them."""
    country, _, subdiv = value.partition("-")
    try:
        holidays.country_holidays(country, subdiv=subdiv or None, years=2026)
    except NotImplementedError as exc:
        raise ValidationError(f"Unknown holiday region: {value}") from exc


def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def validate_embed_origins(value: str) -> None:
    """One origin per line (scheme://host[:port], no path); every bad line is named."""
    errors = [
        ValidationError(
            "Line %(number)s is not an origin: “%(line)s”. Write scheme://host[:port] "
            "without a path, e.g. https://www.musterhausen.de.",
            code="invalid_origin",
            params={"number": number, "line": line.strip()},
        )
        for number, line in enumerate(value.splitlines(), start=1)
        if line.strip() and origin_or_none(line) is None
    ]
    if errors:
        raise ValidationError(errors)
