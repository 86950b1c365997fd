"""The estimated cost of an operation, checked against the caller's budget before execution.

The model (ops/adr, "GraphQL request limits and cost"): every field resolved costs 1. A list of
objects is assumed to hold its page size (`limit` or `first`, from a literal or a variable) or
else `GRAPHQL_COST_LIST_SIZE` items, and everything selected inside it counts once per item,
so nesting multiplies. A field that takes `limit`/`first` but returns one page object passes the
page size to the lists directly inside it (`bookingsForDay(limit: 20) { items { … } }`).

Two nestings are refused outright, as each round multiplies the answer by the size of the
catalog and no page needs them: a list field inside itself (`locations { services { locations
{ services …`), and a list that leads straight back to the type of the list around it
(`Location.services { locations }`: the service's other locations, inside a location).
`organizations { services { locations { id } } }` (where is each service offered) stays fine.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
    get_nullable_type,
    is_composite_type,
)

PAGE_ARGUMENTS = ("limit", "first")


class NestedListError(Exception):
    def __init__(self, coordinate: str, reason: str):
        super().__init__(f"`{coordinate}` {reason}")
        self.coordinate = coordinate


def find_operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is None:
        return operations[0] if len(operations) == 1 else None
    return next((o for o in operations if o.name and o.name.value == name), None)


class CostEstimate:
    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        variables: dict[str, Any] | None,
        list_size: int,
    ):
        self.schema = schema
        self.variables = variables or {}
        self.list_size = list_size
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }

    def of(self, operation: OperationDefinitionNode) -> int:
        """Raises NestedListError when a list field is selected inside itself."""
        root = self.schema.get_root_type(operation.operation)
        if root is None:
            return 0
        return self._selection(operation.selection_set, root, None, ())

    def _page_size(self, field: FieldNode) -> int | None:
        for argument in field.arguments or ():
            if argument.name.value not in PAGE_ARGUMENTS:
                continue
            value = argument.value
            if isinstance(value, IntValueNode):
                return max(1, int(value.value))
            if isinstance(value, VariableNode):
                given = self.variables.get(value.name.value)
                if isinstance(given, int) and not isinstance(given, bool):
                    return max(1, given)
        return None

    def _selection(
        self,
        selection_set: SelectionSetNode | None,
        parent: Any,
        page: int | None,
        lists: tuple[tuple[str, str], ...],
    ) -> int:
        if selection_set is None:
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += self._field(selection, parent, page, lists)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                on = self.schema.get_type(condition.name.value) if condition else parent
                total += self._selection(selection.selection_set, on or parent, page, lists)
            elif isinstance(selection, FragmentSpreadNode):
                fragment = self.fragments.get(selection.name.value)
                if fragment is not None:
                    on = self.schema.get_type(fragment.type_condition.name.value)
                    total += self._selection(fragment.selection_set, on or parent, page, lists)
        return total

    def _field(
        self, field: FieldNode, parent: Any, page: int | None, lists: tuple[tuple[str, str], ...]
    ) -> int:
        name = field.name.value
        if not isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            return 1  # __typename on a union
        definition = parent.fields.get(name)
        if definition is None:
            return 1  # __typename and introspection fields
        named = get_named_type(definition.type)
        if not is_composite_type(named):
            return 1
        own_page = self._page_size(field)
        if isinstance(get_nullable_type(definition.type), GraphQLList):
            coordinate = f"{parent.name}.{name}"
            if coordinate in (c for c, _ in lists):
                raise NestedListError(coordinate, "is selected inside itself")
            if lists and lists[-1][1] == named.name:
                raise NestedListError(coordinate, f"leads back to the enclosing {lists[-1][0]}")
            items = own_page or page or self.list_size
            inside = (*lists, (coordinate, parent.name))
            return items * (1 + self._selection(field.selection_set, named, None, inside))
        return 1 + self._selection(field.selection_set, named, own_page, lists)
