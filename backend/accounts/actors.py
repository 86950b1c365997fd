"""Moved to backend.core.actors; this alias lives until the last import is changed."""

from backend.core.actors import SYSTEM, Actor, ActorKind

__all__ = ["SYSTEM", "Actor", "ActorKind"]
