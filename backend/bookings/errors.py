"""Moved to backend.core.errors; this alias lives until the last import is changed."""

from backend.core.errors import DomainError as BookingError
from backend.core.errors import DomainErrors as BookingErrors
from backend.core.errors import ErrorCode

__all__ = ["BookingError", "BookingErrors", "ErrorCode"]
