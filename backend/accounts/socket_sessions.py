"""Staff WebSockets end with the session that opened them.

Channels' AuthMiddlewareStack resolves the user once, when the socket opens; logout,
deactivation or a password change would not reach an open socket. So a signed-in socket joins
its user's channel-layer group, these events push a message to that group (after commit, so a
socket that re-checks reads the new state), and the socket reloads its session and user
(`signed_in_user`) and closes when they no longer hold. Sockets also re-check on their own
schedule, for changes that send no signal (a session expiring, a bulk `update()`)."""

from __future__ import annotations

import hashlib
import logging
from importlib import import_module
from types import SimpleNamespace

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.auth import get_user, get_user_model, user_logged_out
from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_save

logger = logging.getLogger(__name__)
REVOKE_MESSAGE_TYPE = "session.revoked"
# Saving these fields can end a user's sessions; other saves (last_login) cost no lookup.
SESSION_FIELDS = frozenset({"is_active", "password"})


def user_group(user_id) -> str:
    return f"user.{user_id}"


def session_fingerprint(session_key: str | None) -> str | None:
    """What a revocation message carries instead of the session key itself (a credential)."""
    if not session_key:
        return None
    return hashlib.sha256(session_key.encode()).hexdigest()


def signed_in_user(session_key: str | None, user_id):
    """The user of the session if it still exists, still belongs to `user_id`, the user is
    active and the session's auth hash matches the current password; otherwise None.

    Uses Django's own `get_user` on a freshly loaded session, so it decides exactly as the
    next HTTP request of that session would (including flushing a session whose password
    hash no longer matches)."""
    if not session_key:
        return None
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    user = get_user(SimpleNamespace(session=store))  # type: ignore[arg-type]
    if not user.is_authenticated or user.pk != user_id or not user.is_active:
        return None
    return user


def push_revocation(user_id, session_key: str | None = None) -> None:
    """Tell the user's open sockets to re-check (or, for `session_key`, to close at once)."""
    message = {
        "type": REVOKE_MESSAGE_TYPE,
        "session": session_fingerprint(session_key),
    }
    try:
        async_to_sync(get_channel_layer().group_send)(user_group(user_id), message)
    except Exception:  # the sockets still re-check on their own schedule
        logger.exception("could not notify the sockets of user %s", user_id)


def _logged_out(sender, request, user, **kwargs) -> None:
    if user is None:
        return
    # The signal comes before the session is flushed: name it, so its sockets close without
    # reading a session that is about to go.
    session_key = getattr(getattr(request, "session", None), "session_key", None)
    user_id = user.pk
    transaction.on_commit(lambda: push_revocation(user_id, session_key))


def _remember_old_state(sender, instance, update_fields=None, **kwargs) -> None:
    instance._ends_sessions = False
    if instance.pk is None or (
        update_fields is not None and not SESSION_FIELDS & set(update_fields)
    ):
        return
    old = sender._default_manager.filter(pk=instance.pk).values("is_active", "password").first()
    if old is not None:
        instance._ends_sessions = (old["is_active"] and not instance.is_active) or old[
            "password"
        ] != instance.password


def _saved(sender, instance, created=False, **kwargs) -> None:
    if getattr(instance, "_ends_sessions", False):
        instance._ends_sessions = False
        user_id = instance.pk
        transaction.on_commit(lambda: push_revocation(user_id))


def _deleted(sender, instance, **kwargs) -> None:
    user_id = instance.pk
    transaction.on_commit(lambda: push_revocation(user_id))


def connect_signals() -> None:
    user_model = get_user_model()
    uid = "backend.accounts.socket_sessions"
    user_logged_out.connect(_logged_out, dispatch_uid=uid)
    pre_save.connect(_remember_old_state, sender=user_model, dispatch_uid=uid)
    post_save.connect(_saved, sender=user_model, dispatch_uid=uid)
    post_delete.connect(_deleted, sender=user_model, dispatch_uid=uid)
