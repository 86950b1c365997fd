"""Described arguments shared by resolvers (every argument carries its description)."""

from __future__ import annotations

import datetime
from typing import Annotated

import strawberry

from .enums import Language

ServiceId = Annotated[strawberry.ID, strawberry.argument(description="Service id.")]
LocationId = Annotated[strawberry.ID, strawberry.argument(description="Location id.")]
LocalDate = Annotated[datetime.date, strawberry.argument(description="A local day.")]
InLanguage = Annotated[
    Language | None,
    strawberry.argument(description="Language to translate into; default: the office's own."),
]
BookingCode = Annotated[str, strawberry.argument(description="The booking code, e.g. K7M-4QX.")]
ManageToken = Annotated[str, strawberry.argument(description="The secret from the manage link.")]


def described_input(description: str):
    return strawberry.argument(description=description)
