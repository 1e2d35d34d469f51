"""The size of a document as the server would walk it: every fragment spread expanded.

A 787-byte document whose 20 fragments each spread the next one twice expands to about
a million selections; the depth, alias and cost limits (and graphql-core's own rules)
walk that expansion, so one small anonymous request could stall the api for seconds.
This count memoizes each fragment's size, so it costs one pass over the document as
written, and it runs before any other validation: a document whose expansion exceeds
the budget is refused without being walked.
"""

from __future__ import annotations

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

CODE = "QUERY_TOO_LARGE"


class _Counter:
    def __init__(self, document: DocumentNode, limit: int) -> None:
        self.limit = limit
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.sizes: dict[str, int] = {}
        self.open: set[str] = set()  # fragments being counted (a cycle counts as 0)

    def selection_set(self, selection_set: SelectionSetNode | None) -> int:
        if selection_set is None:
            return 0
        total = 0
        for selection in selection_set.selections:
            if isinstance(selection, (FieldNode, InlineFragmentNode)):
                total += 1 + self.selection_set(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                total += 1 + self.fragment(selection.name.value)
            if total > self.limit:  # no need to count further (sizes can be astronomic)
                return total
        return total

    def fragment(self, name: str) -> int:
        known = self.sizes.get(name)
        if known is not None:
            return known
        definition = self.fragments.get(name)
        if definition is None or name in self.open:
            return 0  # unknown fragments and cycles are reported by the validation rules
        self.open.add(name)
        size = self.selection_set(definition.selection_set)
        self.open.discard(name)
        self.sizes[name] = size
        return size


def expanded_size(document: DocumentNode, limit: int) -> int:
    """The larger of: the operations' selections with fragments expanded, and any one
    fragment's expansion (unused fragments are walked too). Stops counting past `limit`."""
    counter = _Counter(document, limit)
    operations = 0
    largest_fragment = 0
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            operations += counter.selection_set(definition.selection_set)
        elif isinstance(definition, FragmentDefinitionNode):
            largest_fragment = max(largest_fragment, counter.fragment(definition.name.value))
        if max(operations, largest_fragment) > limit:
            break
    return max(operations, largest_fragment)


def over_budget(document: DocumentNode, limit: int) -> GraphQLError | None:
    """A coded error if the expanded document is larger than `limit` selections."""
    if limit <= 0:
        return None
    size = expanded_size(document, limit)
    if size <= limit:
        return None
    return GraphQLError(
        f"This document expands to more than {limit} selections once its fragments are "
        "spread. Send a smaller document.",
        extensions={"code": CODE, "maxNodes": limit},
    )
