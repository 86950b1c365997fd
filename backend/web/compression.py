"""gzip for the pages and static files, never for responses that carry secrets.

The pages, their scripts, styles and catalogs are the same for everybody and reflect nothing
a visitor sends (pages_language.py only picks one of five fixed catalogs), so compressing them
gives nothing away. Compression leaks through size, though, whenever a response mixes a
secret with text an attacker can influence (BREACH): /graphql answers carry manage tokens and
personal data next to echoed input, and the admin shows personal data next to search terms.
Those stay uncompressed; Django's own per-response random padding (max_random_bytes) is a
second line, not the only one.
"""

from __future__ import annotations

from django.middleware.gzip import GZipMiddleware

UNCOMPRESSED_PREFIXES = ("/graphql", "/admin/")
# Formats that are compressed already: gzip would only add bytes and CPU time.
PRECOMPRESSED_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp", "font/woff")


class PublicGZipMiddleware(GZipMiddleware):
    """Django's GZipMiddleware for complete (200) responses outside UNCOMPRESSED_PREFIXES.

    Partial responses (206, WhiteNoise answers Range requests) are left alone: compressing
    a byte range would hand the client a different file's bytes."""

    def process_response(self, request, response):
        if response.status_code != 200 or request.path.startswith(UNCOMPRESSED_PREFIXES):
            return response
        if response.get("Content-Type", "").startswith(PRECOMPRESSED_TYPES):
            return response
        return super().process_response(request, response)
