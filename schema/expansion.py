"""The expanded size of a document: how many fields validation and execution would walk.

Fragments that each spread the next one twice make a 1 KB document expand to 2^30 fields, and
graphql-core's validation rules walk the expanded tree. Counting is linear in the document:
each fragment's size is computed once (memoised) and multiplied at every spread. This runs
before every validation rule, so no rule ever sees a document larger than the limit.
"""

from __future__ import annotations

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)


def expanded_size(document: DocumentNode, limit: int) -> int:
    """Fields in all operations with every fragment spread expanded, counted up to `limit + 1`
    (beyond that the exact number does not matter and big integers would only cost time).
    A fragment cycle counts as empty here; the NoFragmentCycles rule reports it."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    sizes: dict[str, int] = {}
    in_progress: set[str] = set()
    cap = limit + 1

    def fragment_size(name: str) -> int:
        if name in sizes:
            return sizes[name]
        fragment = fragments.get(name)
        if fragment is None or name in in_progress:
            return 0
        in_progress.add(name)
        size = selection_size(fragment.selection_set)
        in_progress.discard(name)
        sizes[name] = size
        return size

    def selection_size(selection_set: SelectionSetNode | None) -> int:
        if selection_set is None:
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                total += 1 + selection_size(selection.selection_set)
            elif isinstance(selection, InlineFragmentNode):
                total += selection_size(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                total += fragment_size(selection.name.value)
            if total >= cap:
                return cap
        return total

    total = 0
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            total = min(cap, total + selection_size(definition.selection_set))
    return total
