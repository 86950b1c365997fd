from __future__ import annotations

import strawberry
from strawberry.types import Info

from backend.accounts.session import workplaces

from ..context import actor_of
from ..types.catalog import Location


@strawberry.type(description="A location the signed-in staff member may see.")
class Workplace:
    location: Location = strawberry.field(description="The location.")
    can_work_queue: bool = strawberry.field(
        description="Whether they may call tickets and change bookings there."
    )


@strawberry.type(description="The signed-in staff member.")
class Me:
    username: str = strawberry.field(description="Login name.")
    display_name: str = strawberry.field(description="Full name, or the login name.")
    workplaces: list[Workplace] = strawberry.field(description="Where they may work.")


def me_of(info: Info) -> Me | None:
    actor = actor_of(info)
    if actor.kind != "staff" or actor.user is None:
        return None
    user = actor.user
    return Me(
        username=user.get_username(),
        display_name=user.get_full_name() or user.get_username(),
        workplaces=[
            Workplace(location=w.location, can_work_queue=w.can_work_queue)
            for w in workplaces(actor)
        ],
    )


@strawberry.type
class MeQuery:
    @strawberry.field(description="The signed-in staff member, or null.")
    def me(self, info: Info) -> Me | None:
        return me_of(info)
