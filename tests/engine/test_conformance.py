"""The compiled engine held to pySHACL, case file by case file.

Each file of ``tests/data/engine`` is one Turtle document holding shapes and data together
(as the single-graph tests of the W3C SHACL test suite do), with a header saying what it
covers. pySHACL validates it with itself as shapes graph; the compiler compiles it, and every
check runs in a pyoxigraph store holding the same triples, with the union of the graphs as
default graph, as a run has it. The two sets of results, as (focus node, source shape,
component, path, value, severity), must be equal over the shapes the compiler compiled:
pySHACL's results of the shapes it leaves aside (and of their property shapes) are set apart,
as pySHACL alone validates those in production (:mod:`mcem_kg.engine.fallback`). A check's
result takes the focus node as its value where the check says so and ``?value`` is unbound,
as a run does (:mod:`mcem_kg.engine.run`).

A case file speaks to this test with the terms of ``TEST`` (any subject will do, ``<>`` by
convention):

- ``test:expectUncompiled S``: the compiler leaves the shape ``S`` to pySHACL. The shapes it
  leaves aside are exactly these.
- ``test:conformingNode N``: ``N`` is the focus node of no result: each case has data that
  conforms as well as data that violates, so that it cannot pass by finding nothing.
- ``test:deviation D``: a result on which one side departs from the SHACL specification and
  the other does not. ``D`` has ``test:focusNode``, ``test:sourceShape``, ``test:component``,
  ``test:severity`` (sh:Violation if left out) and, when the result has them, ``test:path``
  and ``test:value``; ``test:by`` says who departs: ``test:pySHACL``, or ``test:store`` (the
  compiled checks are right, but the store does not hold the term as the data wrote it);
  ``test:kind`` is ``test:Missing`` (that side leaves out a result the specification
  requires) or ``test:Extra`` (it reports one the specification does not); ``test:reason``
  says why, citing the specification. The test checks that the departure is still there,
  then corrects that side's results before comparing.

Literals in the cases are written in the store's canonical form (``12.5``, not ``12.50``), as
the store keeps a number's value, not its lexical form, and a result's value would differ.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import pyoxigraph
import pyshacl
import pytest
from rdflib import BNode, Graph, Namespace, URIRef
from rdflib.collection import Collection
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from mcem_kg.engine.compiler import CompiledShapes, compile_shapes
from mcem_kg.store.embedded import to_rdflib

CASES = sorted((Path(__file__).parent.parent / "data" / "engine").glob("*.ttl"))
TEST = Namespace("urn:mcem-kg:test:engine#")

# (focus, sourceShape, component, path, value, severity); a blank node focus or value is
# told by what it says of itself (:func:`_label`), as blank node labels differ between the
# two tools.
Result = tuple[object, Node | None, Node | None, str | None, object, Node | None]
# The (predicate, object) pairs of a blank node, where its labels mean something.
Outgoing = Callable[[BNode], Iterable[tuple[Node, Node]]]

_UNARY_PATHS = (
    (SH.inversePath, "^{}"),
    (SH.zeroOrMorePath, "{}*"),
    (SH.oneOrMorePath, "{}+"),
    (SH.zeroOrOnePath, "{}?"),
)


def path_text(graph: Graph, node: Node | None) -> str | None:
    """A SHACL property path as text, the same whichever graph (and blank nodes) hold it."""
    if node is None:
        return None
    if isinstance(node, URIRef):
        return node.n3()
    if (node, RDF.first, None) in graph:
        return "(" + " / ".join(str(path_text(graph, s)) for s in Collection(graph, node)) + ")"
    for predicate, written in _UNARY_PATHS:
        inner = graph.value(node, predicate)
        if inner is not None:
            return written.format(path_text(graph, inner))
    alternatives = graph.value(node, SH.alternativePath)
    if alternatives is not None:
        listed = Collection(graph, alternatives)
        return "(" + " | ".join(str(path_text(graph, a)) for a in listed) + ")"
    return f"an unknown path {node.n3()}"


def _label(node: Node | None, outgoing: Outgoing) -> object:
    """A term as the results are compared: a blank node as "_:[...]" holding its triples,
    with "_:" for the blank nodes among their objects."""
    if not isinstance(node, BNode):
        return node
    said = sorted(f"{p.n3()} {'_:' if isinstance(o, BNode) else o.n3()}" for p, o in outgoing(node))
    return "_:[" + " ; ".join(said) + "]"


def reference(g: Graph) -> set[Result]:
    """pySHACL's results."""
    _conforms, results, _text = pyshacl.validate(
        g, shacl_graph=g, inference="none", allow_warnings=True, allow_infos=True
    )
    found: set[Result] = set()
    for result in results.objects(None, SH.result):
        path = results.value(result, SH.resultPath)
        # pySHACL copies a path's blank nodes into the report; read the path where it is.
        where = results if path is not None and (path, None, None) in results else g
        found.add(
            (
                _label(results.value(result, SH.focusNode), g.predicate_objects),
                results.value(result, SH.sourceShape),
                results.value(result, SH.sourceConstraintComponent),
                path_text(where, path),
                _label(results.value(result, SH.value), g.predicate_objects),
                results.value(result, SH.resultSeverity),
            )
        )
    return found


def compiled_results(g: Graph, compiled: CompiledShapes) -> set[Result]:
    """The results of the compiled checks, run in a store holding ``g``."""
    store = pyoxigraph.Store()
    store.load(g.serialize(format="nt", encoding="utf-8"), format=pyoxigraph.RdfFormat.N_TRIPLES)

    def outgoing(node: BNode) -> list[tuple[Node, Node]]:
        quads = store.quads_for_pattern(pyoxigraph.BlankNode(str(node)), None, None)
        return [(to_rdflib(q.predicate), to_rdflib(q.object)) for q in quads]

    found: set[Result] = set()
    for check in compiled.checks:
        solutions = store.query(check.query(), use_default_graph_as_union=True)
        assert isinstance(solutions, pyoxigraph.QuerySolutions)
        has_value = pyoxigraph.Variable("value") in solutions.variables
        for row in solutions:
            focus = to_rdflib(row["this"])
            value = to_rdflib(row["value"]) if has_value and row["value"] is not None else None
            if value is None and check.value_is_focus:
                value = focus
            found.add(
                (
                    _label(focus, outgoing),
                    check.source_shape,
                    check.component,
                    path_text(g, check.path),
                    _label(value, outgoing),
                    check.severity,
                )
            )
    return found


def owned_by_uncompiled(g: Graph, compiled: CompiledShapes) -> set[Node]:
    """The shapes whose results are pySHACL's alone: the uncompiled shapes and their property
    shapes."""
    owned = set(compiled.uncompiled)
    for shape in compiled.uncompiled:
        owned.update(g.objects(shape, SH.property))
    return owned


class Deviations:
    """The departures from the specification a case file declares, by side and kind."""

    def __init__(self, g: Graph) -> None:
        self.found: dict[tuple[Node, Node], set[Result]] = {
            (by, kind): set()
            for by in (TEST.pySHACL, TEST.store)
            for kind in (TEST.Missing, TEST.Extra)
        }
        for deviation in g.objects(None, TEST.deviation):
            assert g.value(deviation, TEST.reason) is not None, "a deviation without its reason"
            key = (g.value(deviation, TEST.by), g.value(deviation, TEST.kind))
            assert key in self.found, f"a deviation by {key[0]} of kind {key[1]}"
            result: Result = (
                _label(g.value(deviation, TEST.focusNode), g.predicate_objects),
                g.value(deviation, TEST.sourceShape),
                g.value(deviation, TEST.component),
                path_text(g, g.value(deviation, TEST.path)),
                _label(g.value(deviation, TEST.value), g.predicate_objects),
                g.value(deviation, TEST.severity) or SH.Violation,
            )
            self.found[key].add(result)

    def correct(self, by: Node, results: set[Result]) -> set[Result]:
        """``results`` of one side as the specification has them, once checked that the
        side still departs from it as declared."""
        missing, extra = self.found[by, TEST.Missing], self.found[by, TEST.Extra]
        assert not missing & results, f"{by.n3()} now reports what the case says it misses"
        assert extra <= results, f"{by.n3()} no longer reports what the case says it adds"
        return (results - extra) | missing


@pytest.mark.filterwarnings("ignore:Serializing weird numerical:UserWarning")
@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_compiled_checks_find_what_pyshacl_finds(case: Path) -> None:
    g = Graph()
    g.parse(case, format="turtle")

    compiled = compile_shapes(g)
    expected_uncompiled = set(g.objects(None, TEST.expectUncompiled))
    assert set(compiled.uncompiled) == expected_uncompiled, compiled.uncompiled

    deviations = Deviations(g)
    specified = deviations.correct(TEST.pySHACL, reference(g))
    left_aside = owned_by_uncompiled(g, compiled)
    expected = {r for r in specified if r[1] not in left_aside}
    found = deviations.correct(TEST.store, compiled_results(g, compiled))

    assert found, "a case with no results proves nothing"
    conforming = set(g.objects(None, TEST.conformingNode))
    assert conforming, "a case needs data that conforms too"
    assert not {r[0] for r in found | specified} & conforming
    assert sorted(found - expected, key=str) == [], "found by the compiled checks only"
    assert sorted(expected - found, key=str) == [], "found by pySHACL only"


def test_cases_are_found() -> None:
    assert len(CASES) >= 10


def test_a_parameter_assigned_with_as_is_left_to_pyshacl() -> None:
    """SHACL forbids ``AS $parameter`` (Appendix A, pre-binding): pySHACL fails a whole
    shapes graph that holds one, so no case file can, and the compiler leaves it aside."""
    g = Graph()
    g.parse(
        format="turtle",
        data="""
        @prefix sh: <http://www.w3.org/ns/shacl#> .
        @prefix ex: <http://example.org/as#> .
        ex:LimitComponent a sh:ConstraintComponent ;
            sh:parameter [ sh:path ex:limit ] ;
            sh:nodeValidator [
                a sh:SPARQLSelectValidator ;
                sh:select "SELECT $this WHERE { $this ex:p ?v . BIND (3 AS $limit) }"
            ] .
        ex:Shape a sh:NodeShape ; sh:targetClass ex:Thing ; ex:limit 5 .
        """,
    )
    compiled = compile_shapes(g)
    assert "assigned with AS" in compiled.uncompiled[URIRef("http://example.org/as#Shape")]
