"""What the e2e server runs: backend.asgi's application, unchanged, behind one test-only reset.

Every e2e test uses `transactional_db`, which empties the database after the test; Django
then re-creates content types and permissions with new ids. The server process would keep
resolving object permissions through the content types it cached during an earlier test
(Django's ContentType cache and guardian's own lru_cache, which guardian clears on
post_migrate, i.e. only in the process that flushed): a clerk of the second test sees no
workplaces, or guardian raises MixedContentTypeError. Production never renumbers content
types, so only the test server forgets them, at every connection.
"""

from backend.asgi import application as backend_application  # sets Django up first

from django.contrib.contenttypes.models import ContentType  # isort: skip
from guardian.shortcuts import clear_ct_cache  # isort: skip


async def application(scope, receive, send):
    if scope["type"] in ("http", "websocket"):
        ContentType.objects.clear_cache()
        clear_ct_cache()
    await backend_application(scope, receive, send)
