from zoneinfo import ZoneInfo, available_timezones

import holidays
from django.core.exceptions import ValidationError


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
