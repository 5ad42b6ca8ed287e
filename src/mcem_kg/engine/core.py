"""SHACL Core, compiled to SPARQL: targets (SHACL 2.1.3), property paths (2.3.1) and the core
constraint components (4), each as a pattern that finds all its violations at once.

Every query works on two variables: ``?this``, the focus node, and ``?value``, a value node.
A *focus set* is a sub-SELECT binding ``?this``; the value nodes of a property shape are
``SELECT DISTINCT ?this ?value`` over it and the path. Sub-SELECTs are evaluated on their own
and joined by hash, which is what makes a constraint over 100,000 records cost a few scans
rather than 100,000 lookups; they also scope every helper variable, so patterns nest without
renaming. Set semantics (SHACL counts distinct value nodes) come from DISTINCT: the union of
the store's graphs may hold a triple twice.

What is not compiled raises :class:`Unsupported`, and its rule is left to pySHACL.
"""

from __future__ import annotations

from collections.abc import Callable

from rdflib import Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.namespace import OWL, RDF, RDFS, SH, XSD
from rdflib.term import BNode, Node

TYPE = f"<{RDF.type}>"
SUBCLASS = f"<{RDFS.subClassOf}>"
# Datatypes whose lexical forms SPARQL can check, by casting (XPath casts, SPARQL 17.5).
CASTABLE = frozenset(
    {XSD.date, XSD.dateTime, XSD.time, XSD.decimal, XSD.integer, XSD.boolean, XSD.double, XSD.float}
)
# The types SPARQL derives from xsd:integer (SPARQL 1.1, 17.1): an integer lexical form within
# the bounds (low, high) of the type (XML Schema 2, 3.3); None where there is no bound.
INTEGER_RANGES: dict[URIRef, tuple[int | None, int | None]] = {
    XSD.nonPositiveInteger: (None, 0),
    XSD.negativeInteger: (None, -1),
    XSD.long: (-(2**63), 2**63 - 1),
    XSD.int: (-(2**31), 2**31 - 1),
    XSD.short: (-(2**15), 2**15 - 1),
    XSD.byte: (-(2**7), 2**7 - 1),
    XSD.nonNegativeInteger: (0, None),
    XSD.unsignedLong: (0, 2**64 - 1),
    XSD.unsignedInt: (0, 2**32 - 1),
    XSD.unsignedShort: (0, 2**16 - 1),
    XSD.unsignedByte: (0, 2**8 - 1),
    XSD.positiveInteger: (1, None),
}
NODE_KINDS = {
    SH.IRI: "isIRI(?value)",
    SH.BlankNode: "isBlank(?value)",
    SH.Literal: "isLiteral(?value)",
    SH.BlankNodeOrIRI: "(isBlank(?value) || isIRI(?value))",
    SH.BlankNodeOrLiteral: "(isBlank(?value) || isLiteral(?value))",
    SH.IRIOrLiteral: "(isIRI(?value) || isLiteral(?value))",
}
COMPARISONS = {
    SH.minExclusive: (">", SH.MinExclusiveConstraintComponent),
    SH.minInclusive: (">=", SH.MinInclusiveConstraintComponent),
    SH.maxExclusive: ("<", SH.MaxExclusiveConstraintComponent),
    SH.maxInclusive: ("<=", SH.MaxInclusiveConstraintComponent),
}


class Unsupported(Exception):
    """A shape uses something the compiler does not translate."""


def term(node: Node) -> str:
    """A constant in SPARQL syntax."""
    if isinstance(node, BNode):
        raise Unsupported("a blank node as a constant")
    return node.n3()


def rename(select: str, old: str, new: str) -> str:
    """A sub-SELECT whose variable ``?old`` is exposed as ``?new`` (and nothing else)."""
    inner = f"{{ SELECT (?{old} AS ?{old}_) WHERE {{ {select} }} }}"
    return f"{{ SELECT DISTINCT (?{old}_ AS ?{new}) WHERE {{ {inner} }} }}"


# --- targets (SHACL 2.1.3) -------------------------------------------------------------------


def instances(klass: Node, var: str) -> str:
    """``?var`` is a SHACL instance of ``klass``: typed with it or one of its subclasses in
    the data graph (SHACL 1.1, "SHACL instance")."""
    typed = f"?k_ {SUBCLASS}* {term(klass)} . ?{var} {TYPE} ?k_"
    return f"{{ SELECT DISTINCT ?{var} WHERE {{ {typed} }} }}"


def is_class(shapes: Graph, shape: Node) -> bool:
    """Whether ``shape`` is a class, and so has an implicit class target (SHACL 2.1.3.3): a
    SHACL instance of rdfs:Class in the shapes graph, typed with it or with one of its
    subclasses (a metaclass); owl:Class is taken as one too, as pySHACL takes it."""
    for kind in shapes.objects(shape, RDF.type):
        supers = shapes.transitive_objects(kind, RDFS.subClassOf)
        if any(c in (RDFS.Class, OWL.Class) for c in supers):
            return True
    return False


def targets(shapes: Graph, shape: Node) -> str | None:
    """A pattern binding ``?this`` to the shape's focus nodes; None if it has no target."""
    parts = [instances(c, "this") for c in shapes.objects(shape, SH.targetClass)]
    if is_class(shapes, shape):
        parts.append(instances(shape, "this"))  # implicit class target (2.1.3.3)
    nodes = [term(n) for n in shapes.objects(shape, SH.targetNode)]
    if nodes:
        parts.append(f"{{ VALUES ?this {{ {' '.join(nodes)} }} }}")
    parts += [f"{{ ?this {term(p)} ?o_ }}" for p in shapes.objects(shape, SH.targetSubjectsOf)]
    parts += [f"{{ ?s_ {term(p)} ?this }}" for p in shapes.objects(shape, SH.targetObjectsOf)]
    if (shape, SH.target, None) in shapes:
        raise Unsupported("SHACL-AF targets (sh:target)")
    return " UNION ".join(parts) or None


def focus_set(target: str) -> str:
    """The focus set of a target pattern (a class target is one already)."""
    if target.startswith("{ SELECT DISTINCT ?this WHERE") and " UNION " not in target:
        return target
    return f"{{ SELECT DISTINCT ?this WHERE {{ {target} }} }}"


# --- property paths (SHACL 2.3.1) ------------------------------------------------------------


def path(shapes: Graph, node: Node) -> str:
    """A SHACL property path as a SPARQL property path."""
    if isinstance(node, URIRef):
        return term(node)
    if (node, RDF.first, None) in shapes:
        steps = [path(shapes, step) for step in Collection(shapes, node)]
        return "(" + "/".join(steps) + ")"
    for predicate, written in (
        (SH.inversePath, "^{}"),
        (SH.zeroOrMorePath, "({})*"),
        (SH.oneOrMorePath, "({})+"),
        (SH.zeroOrOnePath, "({})?"),
    ):
        inner = shapes.value(node, predicate)
        if inner is not None:
            return written.format(path(shapes, inner))
    alternatives = shapes.value(node, SH.alternativePath)
    if alternatives is not None:
        return "(" + "|".join(path(shapes, a) for a in Collection(shapes, alternatives)) + ")"
    raise Unsupported(f"the path {node.n3()}")


def steps(shapes: Graph, node: Node) -> list[str] | None:
    """A sequence of predicates and inverse predicates, step by step; None for other paths."""
    items = list(Collection(shapes, node)) if (node, RDF.first, None) in shapes else [node]
    found = []
    for item in items:
        inverse = shapes.value(item, SH.inversePath) if isinstance(item, BNode) else None
        if isinstance(item, URIRef):
            found.append(term(item))
        elif isinstance(inverse, URIRef):
            found.append("^" + term(inverse))
        else:
            return None
    return found


def walk(shapes: Graph, node: Node, start: str, end: str) -> str:
    """A pattern joining ``?start`` to ``?end`` along the path: each step of a sequence its
    own sub-SELECT (evaluated once, joined by hash), other paths as one SPARQL path, also in a
    sub-SELECT of its own."""
    found = steps(shapes, node)
    if found is None:
        return f"{{ SELECT ?{start} ?{end} WHERE {{ ?{start} {path(shapes, node)} ?{end} }} }}"
    names = [start, *(f"step{i}_" for i in range(1, len(found))), end]
    return " ".join(
        f"{{ SELECT ?{a} ?{b} WHERE {{ ?{a} {p} ?{b} }} }}"
        for a, b, p in zip(names[:-1], names[1:], found, strict=True)
    )


def value_nodes(shapes: Graph, focus: str, path_node: Node | None) -> str:
    """``?this`` and each of its value nodes: the path's ends for a property shape, the focus
    node itself for a node shape."""
    if path_node is None:
        return f"{{ SELECT DISTINCT ?this ?value WHERE {{ {focus} BIND (?this AS ?value) }} }}"
    along = walk(shapes, path_node, "this", "value")
    return f"{{ SELECT DISTINCT ?this ?value WHERE {{ {focus} {along} }} }}"


# --- core constraint components (SHACL 4) -----------------------------------------------------

# A compiled constraint: its component, and a function from (focus set, value nodes) to a
# SELECT of ?this (and ?value when a value node is at fault).
Violations = Callable[[str, str], str]
Constraint = tuple[URIRef, Violations]


def _per_value(condition: str) -> Violations:
    """Value nodes that meet ``condition`` (a pattern on ``?value``: a FILTER or a MINUS)."""
    return lambda focus, values: f"SELECT ?this ?value WHERE {{ {values} {condition} }}"


def _count(values: str, extra: str = "") -> str:
    return (
        # The value nodes are distinct already (value_nodes).
        f"{{ SELECT ?this (COUNT(?value) AS ?count) WHERE {{ {values} {extra} }} GROUP BY ?this }}"
    )


def core_constraints(
    shapes: Graph,
    shape: Node,
    path_node: Node | None,
    failing: Callable[[Node, str], str],
) -> list[Constraint]:
    """The core constraints of ``shape``. ``failing(other, candidates)`` is the SELECT of the
    ``?this`` among ``candidates`` (a focus set) that do not conform to the shape ``other``
    (for sh:node and the qualified value shapes)."""
    for unsupported in (
        SH.pattern, SH.minLength, SH.maxLength, SH.languageIn, SH.uniqueLang, SH.equals,
        SH.disjoint, SH.lessThan, SH.lessThanOrEquals, SH["not"], SH["and"], SH["or"],
        SH.xone, SH.closed,
    ):  # fmt: skip
        if (shape, unsupported, None) in shapes:
            raise Unsupported(f"{unsupported.n3()}")
    found = _value_constraints(shapes, shape, failing)

    def walk_to(end: str) -> str:
        if path_node is None:
            return f"BIND (?this AS ?{end})"
        return walk(shapes, path_node, "this", end)

    for required in shapes.objects(shape, SH.hasValue):
        if path_node is None:
            condition = f"FILTER (!sameTerm(?this, {term(required)}))"
        else:
            condition = f"MINUS {{ {walk_to('v_')} FILTER (sameTerm(?v_, {term(required)})) }}"
        found.append((SH.HasValueConstraintComponent, _focus_where(condition)))
    if path_node is not None:
        found += _cardinality(shapes, shape, walk_to, failing)
    elif (shape, SH.minCount, None) in shapes or (shape, SH.qualifiedValueShape, None) in shapes:
        raise Unsupported("a cardinality on a node shape")
    return found


def _value_constraints(
    shapes: Graph, shape: Node, failing: Callable[[Node, str], str]
) -> list[Constraint]:
    """The constraints every value node must meet on its own (SHACL 4.1-4.3, 4.6, 4.7)."""
    found: list[Constraint] = []
    for klass in shapes.objects(shape, SH["class"]):
        anti = f"MINUS {{ {instances(klass, 'value')} }}"
        found.append((SH.ClassConstraintComponent, _per_value(anti)))
    for datatype in shapes.objects(shape, SH.datatype):
        cast, ill_formed = _lexical_checks(datatype)
        checks = ["!isLiteral(?value)", f"datatype(?value) != {term(datatype)}", *ill_formed]
        condition = f"{cast} FILTER ({' || '.join(checks)})"
        found.append((SH.DatatypeConstraintComponent, _per_value(condition)))
    for kind in shapes.objects(shape, SH.nodeKind):
        if not isinstance(kind, URIRef) or kind not in NODE_KINDS:
            raise Unsupported(f"sh:nodeKind {kind.n3()}")
        condition = f"FILTER (!{NODE_KINDS[kind]})"
        found.append((SH.NodeKindConstraintComponent, _per_value(condition)))
    for predicate, (operator, component) in COMPARISONS.items():
        for bound in shapes.objects(shape, predicate):
            # A comparison that errs (incomparable values) is a violation too.
            condition = f"FILTER (!COALESCE(?value {operator} {term(bound)}, false))"
            found.append((component, _per_value(condition)))
    for members in shapes.objects(shape, SH["in"]):
        listed = " || ".join(f"sameTerm(?value, {term(m)})" for m in Collection(shapes, members))
        found.append((SH.InConstraintComponent, _per_value(f"FILTER (!({listed or 'false'}))")))
    for other in shapes.objects(shape, SH.node):
        found.append((SH.NodeConstraintComponent, _nonconforming(other, failing)))
    return found


def _lexical_checks(datatype: Node) -> tuple[str, list[str]]:
    """A BIND casting ``?value`` to ``?cast_``, and the conditions under which its lexical
    form is ill-formed for ``datatype``: a datatype SPARQL supports accepts no ill-formed
    literal (SHACL 4.1.2). A lexical form SPARQL cannot cast to the datatype is ill-formed; a
    type derived from xsd:integer casts to xsd:integer, within the type's bounds."""
    if datatype in CASTABLE:
        return f"BIND ({term(datatype)}(STR(?value)) AS ?cast_)", ["!BOUND(?cast_)"]
    if not isinstance(datatype, URIRef) or datatype not in INTEGER_RANGES:
        return "", []
    low, high = INTEGER_RANGES[datatype]
    checks = ["!BOUND(?cast_)"]
    checks += [f"?cast_ < {low}"] if low is not None else []
    checks += [f"?cast_ > {high}"] if high is not None else []
    return f"BIND ({term(XSD.integer)}(STR(?value)) AS ?cast_)", checks


def _focus_where(condition: str) -> Violations:
    return lambda focus, values: f"SELECT ?this WHERE {{ {focus} {condition} }}"


def _nonconforming(other: Node, failing: Callable[[Node, str], str]) -> Violations:
    def violations(focus: str, values: str) -> str:
        candidates = rename(f"{values}", "value", "this")
        bad = rename(failing(other, candidates), "this", "value")
        return f"SELECT ?this ?value WHERE {{ {values} {bad} }}"

    return violations


def _cardinality(
    shapes: Graph,
    shape: Node,
    walk_to: Callable[[str], str],
    failing: Callable[[Node, str], str],
) -> list[Constraint]:
    found: list[Constraint] = []
    minimum = shapes.value(shape, SH.minCount)
    if isinstance(minimum, Literal) and int(minimum) == 1:
        found.append((SH.MinCountConstraintComponent, _focus_where(f"MINUS {{ {walk_to('v_')} }}")))
    elif isinstance(minimum, Literal) and int(minimum) > 1:
        found.append((SH.MinCountConstraintComponent, _too_few(int(minimum))))
    maximum = shapes.value(shape, SH.maxCount)
    if isinstance(maximum, Literal):
        limit = int(maximum)
        found.append(
            (
                SH.MaxCountConstraintComponent,
                lambda focus, values: (
                    f"SELECT ?this WHERE {{ {_count(values)} FILTER (?count > {limit}) }}"
                ),
            )
        )
    qualified = shapes.value(shape, SH.qualifiedValueShape)
    if qualified is not None:
        if shapes.value(shape, SH.qualifiedValueShapesDisjoint) == Literal(True):
            raise Unsupported("sh:qualifiedValueShapesDisjoint")
        low = shapes.value(shape, SH.qualifiedMinCount)
        high = shapes.value(shape, SH.qualifiedMaxCount)
        if isinstance(low, Literal):
            found.append(
                (
                    SH.QualifiedMinCountConstraintComponent,
                    _qualified(qualified, failing, int(low), "<"),
                )
            )
        if isinstance(high, Literal):
            found.append(
                (
                    SH.QualifiedMaxCountConstraintComponent,
                    _qualified(qualified, failing, int(high), ">"),
                )
            )
    return found


def _too_few(minimum: int) -> Violations:
    return lambda focus, values: (
        f"SELECT ?this WHERE {{ {focus} OPTIONAL {_count(values)} "
        f"FILTER (COALESCE(?count, 0) < {minimum}) }}"
    )


def _qualified(
    qualified: Node, failing: Callable[[Node, str], str], bound: int, operator: str
) -> Violations:
    def violations(focus: str, values: str) -> str:
        candidates = rename(values, "value", "this")
        bad = rename(failing(qualified, candidates), "this", "value")
        conforming = _count(values, f"MINUS {bad}")
        return (
            f"SELECT ?this WHERE {{ {focus} OPTIONAL {conforming} "
            f"FILTER (COALESCE(?count, 0) {operator} {bound}) }}"
        )

    return violations
