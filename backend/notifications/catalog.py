"""Message texts per language (catalogs/*.json), with German as the fallback."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

CATALOGS = Path(__file__).parent / "catalogs"
LANGUAGES = ("de", "en", "tr", "ar", "uk")
FALLBACK = "de"


@cache
def catalog(language: str) -> dict[str, Any]:
    name = language if language in LANGUAGES else FALLBACK
    return json.loads((CATALOGS / f"{name}.json").read_text(encoding="utf-8"))


def text(language: str, *path: str, **values: Any) -> str:
    """The text at `path` (e.g. "sms", "booking_reminder"), formatted with `values`."""
    node: Any = catalog(language)
    for key in path:
        node = node.get(key) if isinstance(node, dict) else None
        if node is None:
            return text(FALLBACK, *path, **values) if language != FALLBACK else ""
    return str(node).format(**values)
