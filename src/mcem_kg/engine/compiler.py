"""The shapes graph compiled into checks: one SPARQL SELECT per constraint of each shape that
has targets, finding every violation of it in the store at once.

This is the SHACL-to-SPARQL approach of engines such as SHACL2SPARQL (Corman et al.,
"Validating SHACL constraints over a SPARQL endpoint", ISWC 2019): the targets become a focus
set, each constraint a query over it (:mod:`~mcem_kg.engine.core` for SHACL Core,
:mod:`~mcem_kg.engine.sparql` for SHACL-SPARQL). A shape is compiled whole or not at all: if
any of its constraints is beyond the compiler, the shape is listed as uncompiled, with the
reason, and pySHACL validates it (:mod:`~mcem_kg.engine.fallback`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from mcem_kg.engine.core import (
    Unsupported,
    Violations,
    core_constraints,
    focus_set,
    is_class,
    targets,
    value_nodes,
)
from mcem_kg.engine.sparql import (
    Prefixes,
    component_constraints,
    merge,
    prologue,
    sparql_constraints,
)

_TARGETS = (SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.target)
_NOTHING = "SELECT ?this WHERE { VALUES ?this { } }"


@dataclass(frozen=True, slots=True)
class Reach:
    """What the data must hold for a shape's targets to select anything: an instance of one
    of ``classes`` (or of a subclass), or a triple with one of ``predicates``."""

    classes: frozenset[URIRef]
    predicates: frozenset[URIRef]


@dataclass(frozen=True, slots=True)
class Check:
    """One constraint of one shape with targets, as a query for all of its violations."""

    # The shape with the targets, and the shape the results name (it or a property shape).
    shape: Node
    source_shape: Node
    component: URIRef
    severity: URIRef
    messages: tuple[Literal, ...]
    path: Node | None
    # The SELECT of ``?this`` (and ``?value``) over all focus nodes.
    select: str
    # A SPARQL-based check: a result whose ``?value`` is unbound (or not selected) has the
    # focus node as its value, the value node of a node shape (SHACL 5.3.2).
    value_is_focus: bool = False
    # The (prefix, namespace) pairs the SELECT uses: those of the SPARQL-based constraints
    # it is or nests.
    prefixes: tuple[tuple[str, str], ...] = ()
    # What the targets need in the data (None: nothing, a check that always runs).
    reach: Reach | None = None

    def query(self) -> str:
        """The text to run: the prologue, then the SELECT."""
        return prologue(dict(self.prefixes)) + self.select


@dataclass(frozen=True, slots=True)
class CompiledShapes:
    """The checks of a shapes graph, and the shapes left to pySHACL with the reason."""

    checks: tuple[Check, ...]
    uncompiled: dict[Node, str]


def compile_shapes(shapes: Graph) -> CompiledShapes:
    """Compile every shape of ``shapes`` that has targets (and is not deactivated)."""
    targeted = {s for p in _TARGETS for s in shapes.subjects(p, None)}
    for kind in (SH.NodeShape, SH.PropertyShape):
        for shape in shapes.subjects(RDF.type, kind):
            if is_class(shapes, shape):
                targeted.add(shape)
    checks: list[Check] = []
    uncompiled: dict[Node, str] = {}
    for shape in sorted(targeted, key=str):
        if _deactivated(shapes, shape):
            continue
        try:
            checks += _Compiler(shapes).shape(shape)
        except Unsupported as exc:
            uncompiled[shape] = str(exc)
    return CompiledShapes(checks=tuple(checks), uncompiled=uncompiled)


def _deactivated(shapes: Graph, shape: Node) -> bool:
    return shapes.value(shape, SH.deactivated) == Literal(True)


class _Compiler:
    def __init__(self, shapes: Graph) -> None:
        self.shapes = shapes
        self._nesting: list[Node] = []
        # The prefixes of the SPARQL-based constraints nested in the check being made: no
        # PREFIX may stand inside a group, so they go up to the check's prologue.
        self._hoisted: Prefixes = {}

    def shape(self, shape: Node) -> list[Check]:
        target = targets(self.shapes, shape)
        if target is None:
            return []
        reach = self._reach(shape)
        return [
            replace(check, reach=reach) for check in self._shape_checks(shape, focus_set(target))
        ]

    def _reach(self, shape: Node) -> Reach | None:
        """What the shape's targets need in the data to select anything; None if a target
        needs nothing there (sh:targetNode)."""
        if (shape, SH.targetNode, None) in self.shapes:
            return None
        classes = set(self.shapes.objects(shape, SH.targetClass))
        if is_class(self.shapes, shape):
            classes.add(shape)
        predicates = {
            p
            for kind in (SH.targetSubjectsOf, SH.targetObjectsOf)
            for p in self.shapes.objects(shape, kind)
        }
        return Reach(
            classes=frozenset(c for c in classes if isinstance(c, URIRef)),
            predicates=frozenset(p for p in predicates if isinstance(p, URIRef)),
        )

    def _shape_checks(self, shape: Node, focus: str) -> list[Check]:
        """The checks of ``shape`` over ``focus``: a property shape's constraints are on the
        values of its path (a qualified value shape may be one, SHACL 4.7.3)."""
        if (shape, SH.path, None) in self.shapes:
            return self._property(shape, shape, focus)
        found = self._node_level(shape, shape, focus)
        for prop in self.shapes.objects(shape, SH.property):
            if not _deactivated(self.shapes, prop):
                found += self._property(shape, prop, focus)
        return found

    def _check(self, shape: Node, source: Node, **fields: object) -> Check:
        severity = self.shapes.value(source, SH.severity) or SH.Violation
        if "messages" not in fields or not fields["messages"]:
            fields["messages"] = tuple(
                m for m in self.shapes.objects(source, SH.message) if isinstance(m, Literal)
            )
        return Check(shape=shape, source_shape=source, severity=severity, **fields)  # type: ignore[arg-type]

    def _core(
        self,
        shape: Node,
        source: Node,
        path: Node | None,
        constraint: tuple[URIRef, Violations],
        *,
        focus: str,
        values: str,
    ) -> Check:
        """The check of a core constraint, with the prefixes of the SPARQL-based constraints
        of the shapes it nests (sh:node, sh:qualifiedValueShape)."""
        component, make = constraint
        outer, self._hoisted = self._hoisted, {}
        try:
            select = make(focus, values)
            prefixes = tuple(sorted(self._hoisted.items()))
        finally:
            self._hoisted = outer
        return self._check(
            shape, source, component=component, path=path, select=select, prefixes=prefixes
        )

    def _node_level(self, shape: Node, source: Node, focus: str) -> list[Check]:
        values = value_nodes(self.shapes, focus, None)
        found = [
            self._core(shape, source, None, constraint, focus=focus, values=values)
            for constraint in core_constraints(self.shapes, source, None, self.failing)
        ]
        sparql = sparql_constraints(self.shapes, source)
        sparql += component_constraints(self.shapes, source, is_node_shape=True)
        found += [
            self._check(
                shape,
                source,
                component=check.component,
                path=None,
                messages=check.messages,
                select=check.query(focus),
                value_is_focus=True,
                prefixes=tuple(sorted(check.prefixes.items())),
            )
            for check in sparql
        ]
        return found

    def _property(self, shape: Node, prop: Node, focus: str) -> list[Check]:
        path = self.shapes.value(prop, SH.path)
        if path is None:
            raise Unsupported("a property shape without sh:path")
        if (prop, SH.sparql, None) in self.shapes:
            raise Unsupported("a SPARQL constraint on a property shape")
        if component_constraints(self.shapes, prop, is_node_shape=False):
            raise Unsupported("a SPARQL-based component on a property shape")
        if (prop, SH.property, None) in self.shapes:
            raise Unsupported("sh:property on a property shape")
        values = value_nodes(self.shapes, focus, path)
        return [
            self._core(shape, prop, path, constraint, focus=focus, values=values)
            for constraint in core_constraints(self.shapes, prop, path, self.failing)
        ]

    def failing(self, shape: Node, candidates: str) -> str:
        """The SELECT of the ``?this`` among ``candidates`` that do not conform to
        ``shape`` (for sh:node and sh:qualifiedValueShape)."""
        if shape in self._nesting:
            raise Unsupported("recursive shapes")
        if _deactivated(self.shapes, shape):
            return _NOTHING
        self._nesting.append(shape)
        try:
            checks = self._shape_checks(shape, candidates)
        finally:
            self._nesting.pop()
        if not checks:
            return _NOTHING
        for check in checks:
            merge(self._hoisted, dict(check.prefixes))
        union = " UNION ".join(f"{{ {c.select} }}" for c in checks)
        return f"SELECT DISTINCT ?this WHERE {{ {union} }}"
