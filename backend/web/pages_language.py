"""Citizen pages in the citizen's language from the first byte.

The pages' HTML is written in German with catalog keys (data-i18n="key" for an element's text,
data-i18n-attr="attr:key;…" for attributes); lib/i18n.js translates them once the catalog has
loaded. For a link with ?lang=ar that is too late: the first paint would be German and left to
right. So the server fills in the same catalog texts and sets <html lang dir> itself, and
removes the `i18n-pending` class with which the static HTML keeps its text invisible until
lib/i18n.js has loaded a language (frontend_static/css/site.css). Only the five catalog
languages are accepted; anything else leaves the page as it is.
"""

from __future__ import annotations

import json
import re
from functools import cache, lru_cache
from html import escape
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest

CATALOGS = Path(settings.BASE_DIR) / "frontend_static" / "i18n"
LANGUAGES = frozenset(code for code, _name in settings.LANGUAGES)
RIGHT_TO_LEFT = frozenset({"ar"})
PENDING = "i18n-pending"

_HTML_TAG = re.compile(r"<html\b[^>]*>")
_ATTRIBUTE = r'\s{name}="[^"]*"'
# An element whose content is text only (no child elements): <p data-i18n="k">text</p>
_TEXT = re.compile(
    r'(?P<open><(?P<tag>[a-zA-Z][a-zA-Z0-9]*)\b[^>]*?\sdata-i18n="(?P<key>[\w.-]+)"[^>]*>)'
    r"(?P<text>[^<]*)(?P<close></(?P=tag)>)"
)
_ATTR_TAG = re.compile(r'<[a-zA-Z][^>]*?\sdata-i18n-attr="(?P<pairs>[^"]*)"[^>]*>')


def requested_language(request: HttpRequest) -> str | None:
    """?lang= when it is one of the five languages (as lib/params.js reads it)."""
    code = request.GET.get("lang", "").strip().lower()
    return code if code in LANGUAGES else None


def localize(html: bytes, language: str, *, cache: bool = True) -> bytes:
    if cache:
        return _localized(html, language)
    return _localize(html, language, _read_catalog(language))


@lru_cache(maxsize=32)
def _localized(html: bytes, language: str) -> bytes:
    return _localize(html, language, _catalog(language))


@cache
def _catalog(language: str) -> dict:
    return _read_catalog(language)


def _read_catalog(language: str) -> dict:
    return json.loads((CATALOGS / f"{language}.json").read_text("utf-8"))


def _lookup(catalog: dict, key: str) -> str | None:
    node: object = catalog
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node if isinstance(node, str) else None  # plural forms need a count: left alone


def _set_attribute(tag: str, name: str, value: str) -> str:
    pattern = re.compile(_ATTRIBUTE.format(name=re.escape(name)))
    quoted = f' {name}="{escape(value)}"'
    if pattern.search(tag):
        return pattern.sub(lambda _m: quoted, tag, count=1)
    return tag[:-1] + quoted + ">" if not tag.endswith("/>") else tag[:-2] + quoted + "/>"


def _root_tag(tag: str, language: str) -> str:
    tag = _set_attribute(tag, "lang", language)
    tag = _set_attribute(tag, "dir", "rtl" if language in RIGHT_TO_LEFT else "ltr")
    classes = re.search(r'\sclass="([^"]*)"', tag)
    if classes:
        rest = " ".join(c for c in classes.group(1).split() if c != PENDING)
        tag = tag.replace(classes.group(0), f' class="{rest}"' if rest else "", 1)
    return tag


def _localize(html: bytes, language: str, catalog: dict) -> bytes:
    text = html.decode("utf-8")
    text = _HTML_TAG.sub(lambda m: _root_tag(m.group(0), language), text, count=1)

    def fill_text(match: re.Match) -> str:
        value = _lookup(catalog, match["key"])
        if value is None:
            return match.group(0)
        return match["open"] + escape(value, quote=False) + match["close"]

    def fill_attributes(match: re.Match) -> str:
        tag = match.group(0)
        for pair in match["pairs"].split(";"):
            name, _, key = (part.strip() for part in pair.partition(":"))
            value = _lookup(catalog, key) if name and key else None
            if value is not None:
                tag = _set_attribute(tag, name, value)
        return tag

    text = _TEXT.sub(fill_text, text)
    text = _ATTR_TAG.sub(fill_attributes, text)
    return text.encode("utf-8")
