"""SHACL-SPARQL, compiled for all focus nodes at once: SPARQL-based constraints (SHACL 5) and
SPARQL-based constraint components (SHACL 6) of node shapes.

SHACL runs a constraint's SELECT once per focus node, with ``$this`` pre-bound (5.2.1). Run
once for all of them, the query's WHERE group gets the shape's focus set joined in first, so
``$this`` is bound wherever the query uses it, as pre-binding requires (the filters of a
group see the whole group). Parameters of a component are replaced by their values. A query
that could observe the difference is left to pySHACL: a sub-SELECT (its ``$this`` would be a
variable of its own), ``$PATH``, ``$currentShape`` or ``$shapesGraph``, a message with
placeholders. MINUS, VALUES and SERVICE are not allowed in these queries at all (5.2.1).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from mcem_kg.engine.core import Unsupported, term
from mcem_kg.engine.decorrelate import decorrelate, split_where

_SELECT = re.compile(r"\bSELECT\b", re.IGNORECASE)
_WHERE = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)
_FORBIDDEN = re.compile(r"\b(MINUS|VALUES|SERVICE)\b|[$?](PATH|currentShape|shapesGraph)\b")
FOCUS_SET = "#FOCUS_SET#\n"
_PLACEHOLDER = re.compile(r"\{[$?][A-Za-z_]\w*\}")


@dataclass(frozen=True, slots=True)
class SparqlCheck:
    """One SPARQL-based constraint or component use, ready to join a focus set."""

    component: URIRef
    # The SELECT, with ``#FOCUS_SET#`` where the focus set goes.
    select: str
    # The constraint's own messages (the validator's, for a component).
    messages: tuple[Literal, ...]
    # Whether the query selects ?value (otherwise a result's value is the focus node).
    selects_value: bool

    def query(self, focus: str) -> str:
        return self.select.replace(FOCUS_SET, focus)


def prefixes(shapes: Graph, holder: Node) -> str:
    """The PREFIX lines of the sh:prefixes of ``holder`` (SHACL 5.2.2)."""
    lines = []
    for ontology in shapes.objects(holder, SH.prefixes):
        for declaration in shapes.objects(ontology, SH.declare):
            prefix = shapes.value(declaration, SH.prefix)
            namespace = shapes.value(declaration, SH.namespace)
            if prefix is None or namespace is None:
                raise Unsupported("an incomplete sh:declare")
            lines.append(f"PREFIX {prefix}: <{namespace}>")
    return "\n".join(sorted(set(lines)))


def _joined(text: str, bound: dict[str, Node]) -> tuple[str, bool]:
    """The SELECT with the focus set joined into its WHERE group and parameters replaced."""
    if _FORBIDDEN.search(text):
        raise Unsupported(
            "a SPARQL constraint using MINUS, VALUES, SERVICE or $PATH-like variables"
        )
    if len(_SELECT.findall(text)) != 1:
        raise Unsupported("a SPARQL constraint with a sub-SELECT")
    where = _WHERE.search(text)
    for name, value in bound.items():
        pattern = re.compile(rf"[$?]{re.escape(name)}\b")
        if pattern.search(text[: where.start()] if where else text):
            raise Unsupported(f"a parameter ${name} in the SELECT clause")
        text = pattern.sub(term(value).replace("\\", "\\\\"), text)
    text = re.sub(r"\$this\b", "?this", text)
    parts = split_where(text)
    if parts is None:
        raise Unsupported("a SELECT without a WHERE group")
    head, body, rest = parts
    if "?this" not in head:
        raise Unsupported("a SELECT that does not select $this")
    selects_value = re.search(r"\?value\b", head) is not None
    # The focus set joins the group first; negations are decorrelated against it.
    rewritten = decorrelate(body, FOCUS_SET, {"?this"})
    return f"{head} {FOCUS_SET} {body if rewritten is None else rewritten} {rest}", selects_value


def _messages(shapes: Graph, node: Node) -> tuple[Literal, ...]:
    found = tuple(m for m in shapes.objects(node, SH.message) if isinstance(m, Literal))
    if any(_PLACEHOLDER.search(str(m)) for m in found):
        raise Unsupported("a message with placeholders")
    return found


def sparql_constraints(shapes: Graph, shape: Node) -> list[SparqlCheck]:
    """The SPARQL-based constraints of a node shape (SHACL 5)."""
    found = []
    for constraint in shapes.objects(shape, SH.sparql):
        if shapes.value(constraint, SH.deactivated) == Literal(True):
            continue
        text = shapes.value(constraint, SH.select)
        if text is None:
            raise Unsupported("a SPARQL constraint without sh:select")
        select, selects_value = _joined(str(text), {})
        found.append(
            SparqlCheck(
                component=SH.SPARQLConstraintComponent,
                select=prefixes(shapes, constraint) + "\n" + select,
                messages=_messages(shapes, constraint),
                selects_value=selects_value,
            )
        )
    return found


def component_constraints(shapes: Graph, shape: Node, is_node_shape: bool) -> list[SparqlCheck]:
    """The SPARQL-based constraint components (SHACL 6) the shape uses: each component all of
    whose mandatory parameters the shape has values for."""
    found = []
    for component in sorted(shapes.subjects(RDF.type, SH.ConstraintComponent), key=str):
        if not isinstance(component, URIRef) or (component, None, None) not in shapes:
            continue
        parameters = list(shapes.objects(component, SH.parameter))
        bound: dict[str, Node] = {}
        missing = False
        for parameter in parameters:
            predicate = shapes.value(parameter, SH.path)
            optional = shapes.value(parameter, SH.optional) == Literal(True)
            values = list(shapes.objects(shape, predicate)) if predicate is not None else []
            if not values:
                missing = missing or not optional
                continue
            if len(values) > 1:
                raise Unsupported(f"{component.n3()} with several values of a parameter")
            name = str(predicate).rsplit("#", 1)[-1].rsplit("/", 1)[-1]
            bound[name] = values[0]
        if missing or not bound:
            continue
        key = SH.nodeValidator if is_node_shape else SH.propertyValidator
        validator = shapes.value(component, key) or shapes.value(component, SH.validator)
        text = shapes.value(validator, SH.select) if validator is not None else None
        if not is_node_shape or text is None or validator is None:
            raise Unsupported(f"{component.n3()} (only SELECT validators of node shapes)")
        select, selects_value = _joined(str(text), bound)
        found.append(
            SparqlCheck(
                component=component,
                select=prefixes(shapes, validator) + "\n" + select,
                messages=_messages(shapes, validator),
                selects_value=selects_value,
            )
        )
    return found
