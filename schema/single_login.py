"""At most one `logIn` per GraphQL document.

Aliases would otherwise let one request try many passwords (`a: logIn(...) b: logIn(...)`),
each counted, but all answered before a lockout could slow the guesser down. Fragments on the
Mutation type are followed, so they cannot hide a second one."""

from __future__ import annotations

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    ValidationRule,
)

GUARDED_FIELDS = frozenset({"logIn"})


class SingleLogInRule(ValidationRule):
    def enter_operation_definition(self, node: OperationDefinitionNode, *_args):
        if node.operation != OperationType.MUTATION:
            return
        fragments = {
            d.name.value: d
            for d in self.context.document.definitions
            if isinstance(d, FragmentDefinitionNode)
        }
        for name in GUARDED_FIELDS:
            if _count(node.selection_set, name, fragments, set()) > 1:
                self.report_error(
                    GraphQLError(
                        f"At most one {name} per request.",
                        node,
                        extensions={"code": "TOO_MANY_LOGINS"},
                    )
                )


def _count(selections: SelectionSetNode, name: str, fragments: dict, seen: set) -> int:
    total = 0
    for selection in selections.selections:
        if isinstance(selection, FieldNode):
            total += selection.name.value == name
        elif isinstance(selection, InlineFragmentNode):
            total += _count(selection.selection_set, name, fragments, seen)
        elif isinstance(selection, FragmentSpreadNode):
            fragment = fragments.get(selection.name.value)
            if fragment is not None and fragment.name.value not in seen:
                seen.add(fragment.name.value)  # a cycle is the spec rules' error, not ours
                total += _count(fragment.selection_set, name, fragments, seen)
    return total
