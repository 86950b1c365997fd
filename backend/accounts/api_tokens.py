"""Issuing and revoking integration tokens."""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from backend.catalog.models import Organization

from .middleware import TOKEN_PREFIX
from .models import ApiToken, StaffMember
from .roles import grant_role
from .tokens import hash_secret, new_secret


@transaction.atomic
def issue_api_token(organization: Organization, name: str) -> tuple[ApiToken, str]:
    """A token acting as a new service user with the integration role. The secret is
    returned once; only its hash is stored."""
    user = get_user_model().objects.create(
        username=f"api-{organization.slug}-{secrets.token_hex(4)}"[:150], is_active=True
    )
    user.set_unusable_password()
    user.save(update_fields=["password"])
    grant_role(user, organization, StaffMember.Role.INTEGRATION)
    secret = new_secret(TOKEN_PREFIX)
    token = ApiToken.objects.create(
        organization=organization,
        user=user,
        name=name,
        prefix=secret[:8],
        token_hash=hash_secret(secret),
    )
    return token, secret


def revoke_api_token(token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())
