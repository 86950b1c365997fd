"""Moved to backend.core.transactions; this alias lives until the last import is changed."""

from backend.core.transactions import write_transaction

__all__ = ["write_transaction"]
