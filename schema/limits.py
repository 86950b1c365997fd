"""Request limits, built once: the depth and alias rules are created at import, so the
validation cache keys on the same rule objects for every request. (Strawberry's
QueryDepthLimiter / MaxAliasesLimiter extensions build new rules per request, which defeats
the cache that cuts parse + validate about tenfold.)"""

from __future__ import annotations

from django.conf import settings
from graphql import ASTValidationRule
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions.max_aliases import create_validator as max_aliases_rule
from strawberry.extensions.query_depth_limiter import create_validator as max_depth_rule

from .single_login import SingleLogInRule

DEPTH_RULE = max_depth_rule(settings.GRAPHQL_MAX_DEPTH, None)
ALIASES_RULE = max_aliases_rule(settings.GRAPHQL_MAX_ALIASES)


def validation_rules(debug: bool) -> list[type[ASTValidationRule]]:
    rules: list[type[ASTValidationRule]] = [DEPTH_RULE, ALIASES_RULE, SingleLogInRule]
    if not debug:
        rules.append(NoSchemaIntrospectionCustomRule)
    return rules
