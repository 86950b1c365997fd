"""The pages' text catalogs: five languages, the same keys, no empty texts, the same
placeholders — a page never shows a key or a German fallback instead of the citizen's text."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

CATALOGS = Path(__file__).resolve().parents[2] / "frontend_static" / "i18n"
LANGUAGES = ["de", "en", "tr", "ar", "uk"]
PLACEHOLDER = re.compile(r"\{(\w+)\}")
PLURAL = re.compile(r"\.(zero|one|two|few|many|other)$")  # CLDR categories differ by language


def flatten(tree, prefix=""):
    for key, value in tree.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            yield from flatten(value, path + ".")
        else:
            yield path, value


def catalog(language):
    return dict(flatten(json.loads((CATALOGS / f"{language}.json").read_text("utf-8"))))


def base(key: str) -> str:
    return PLURAL.sub("", key)


@pytest.mark.parametrize("language", LANGUAGES[1:])
def test_every_catalog_has_the_german_keys_and_placeholders(language):
    german, other = catalog("de"), catalog(language)
    assert sorted({base(k) for k in other}) == sorted({base(k) for k in german})
    plural_groups = {base(k) for k in other if PLURAL.search(k)}
    assert [g for g in plural_groups if f"{g}.other" not in other] == []
    empty = [key for key, text in other.items() if isinstance(text, str) and not text.strip()]
    assert empty == []
    mismatched = [
        key
        for key, text in german.items()
        if isinstance(text, str)
        and not PLURAL.search(key)
        and set(PLACEHOLDER.findall(text)) != set(PLACEHOLDER.findall(str(other[key])))
    ]
    assert mismatched == []


# Turkish words as they must be spelled, with the letters a keyboard without Turkish layout
# would flatten (ı -> i, ş -> s, ğ -> g, ü -> u, ö -> o, ç -> c, İ -> I).
TURKISH_WORDS = {
    "common.languages": ["seçin"],
    "site.privacy.heading": ["Kişisel", "korunması"],
    "site.details.phone": ["isteğe", "bağlı"],
    "site.largeText": ["Büyük"],
    "site.highContrast": ["Yüksek"],
    "site.location.any": ["önce"],
    "site.details.language": ["Mesajların"],
    "site.hold.more": ["süre"],
    "manage.cancel": ["İptal"],
}
FLATTENED = str.maketrans("ışğüöçİŞĞÜÖÇ", "isguocISGUOC")


@pytest.mark.parametrize("key", sorted(TURKISH_WORDS))
def test_turkish_uses_its_own_letters(key):
    text = catalog("tr")[key]
    words = re.findall(r"\w+", text)
    for word in TURKISH_WORDS[key]:
        assert word in words, f"{key}: {word!r} not in {text!r}"
        assert word.translate(FLATTENED) not in words, f"{key}: flattened {word!r} in {text!r}"


def test_no_turkish_text_is_written_without_its_letters():
    """Frequent words that exist only with Turkish letters never appear flattened."""
    flattened = {"secin", "Lutfen", "lutfen", "icin", "Sure", "sure", "Iptal", "degil", "gore"}
    found = {
        key: word
        for key, text in catalog("tr").items()
        if isinstance(text, str)
        for word in re.findall(r"\w+", text)
        if word in flattened
    }
    assert found == {}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_error_code_has_a_text_in_every_language(language):
    """Pages show `errors.<CODE>` for a payload error: a code without a text would show the
    generic fallback (or the key) to a citizen or clerk."""
    from backend.core.errors import ErrorCode

    texts = catalog(language)
    assert [code.value for code in ErrorCode if f"errors.{code.value}" not in texts] == []
