"""One operation of the client contract (with the fragments it spreads), ready to send."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from graphql import (
    DefinitionNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    OperationDefinitionNode,
    parse,
    print_ast,
    visit,
)
from graphql.language import Visitor

CONTRACT = Path(__file__).resolve().parents[1] / "contract" / "operations.graphql"


@cache
def _definitions() -> tuple[DefinitionNode, ...]:
    return tuple(parse(CONTRACT.read_text()).definitions)


def _spreads(node: DefinitionNode) -> set[str]:
    names: set[str] = set()

    class Collect(Visitor):
        def enter_fragment_spread(self, spread: FragmentSpreadNode, *_: object) -> None:
            names.add(spread.name.value)

    visit(node, Collect())
    return names


def operation(name: str) -> str:
    """The named operation and every fragment it needs, as one document."""
    defs = _definitions()
    ops = {d.name.value: d for d in defs if isinstance(d, OperationDefinitionNode) and d.name}
    frags = {d.name.value: d for d in defs if isinstance(d, FragmentDefinitionNode)}
    todo, seen = [ops[name]], set[str]()
    parts: list[DefinitionNode] = [ops[name]]
    while todo:
        for spread in _spreads(todo.pop()) - seen:
            seen.add(spread)
            parts.append(frags[spread])
            todo.append(frags[spread])
    return "\n\n".join(print_ast(p) for p in parts)
