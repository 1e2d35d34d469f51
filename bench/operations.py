"""The contract's own documents (tests/contract/operations.graphql), sent verbatim."""

from __future__ import annotations

from functools import cache

from graphql import (
    DefinitionNode,
    DocumentNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    Node,
    OperationDefinitionNode,
    parse,
    print_ast,
    visit,
)
from graphql.language import Visitor

from bench.env import REPO

CONTRACT = REPO / "tests" / "contract" / "operations.graphql"


def _spreads(node: Node) -> set[str]:
    names: set[str] = set()

    class Collect(Visitor):
        def enter_fragment_spread(self, spread: FragmentSpreadNode, *_: object) -> None:
            names.add(spread.name.value)

    visit(node, Collect())
    return names


@cache
def operation(name: str) -> str:
    """The named operation plus every fragment it uses, as one document."""
    doc: DocumentNode = parse(CONTRACT.read_text())
    ops = {
        d.name.value: d
        for d in doc.definitions
        if isinstance(d, OperationDefinitionNode) and d.name is not None
    }
    frags = {d.name.value: d for d in doc.definitions if isinstance(d, FragmentDefinitionNode)}
    if name not in ops:
        raise KeyError(f"operation {name} is not in the contract")
    wanted: list[DefinitionNode] = [ops[name]]
    todo, seen = list(_spreads(ops[name])), set()
    while todo:
        frag = todo.pop()
        if frag in seen:
            continue
        seen.add(frag)
        wanted.append(frags[frag])
        todo.extend(_spreads(frags[frag]))
    return "\n\n".join(print_ast(d) for d in wanted)
