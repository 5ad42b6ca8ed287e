"""The methodology graph: the ontology files, parsed once, and their OWL 2 RL closure.

The asserted triples and the inferred ones are kept in two named graphs of one dataset whose
default graph is their union, so queries see both while the asserted graph stays exactly
what the Turtle files say (and is what ``mcem ontology`` prints unless asked otherwise).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import owlrl
from rdflib import Dataset, Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, RDF

from mcem_kg.errors import DataFileError, InconsistentOntologyError

ASSERTED_GRAPH = URIRef("https://w3id.org/mcem-kg/graph/methodology")
INFERRED_GRAPH = URIRef("https://w3id.org/mcem-kg/graph/methodology-inferred")

# owlrl records each inconsistency it detects as a resource of this namespace
# (owlrl.Namespaces.ERRNS) in the closure it computes.
OWLRL_ERRORS = Namespace("http://www.daml.org/2002/03/agents/agent-ont#")


class RdfFormat(StrEnum):
    """Formats `Methodology.serialize` writes, by the names users give them."""

    TURTLE = "turtle"
    JSON_LD = "json-ld"
    NT = "nt"


# rdflib's plugin name for each format.
SERIALIZATIONS = {RdfFormat.TURTLE: "turtle", RdfFormat.JSON_LD: "json-ld", RdfFormat.NT: "nt11"}


@dataclass(frozen=True, slots=True)
class Methodology:
    """The parsed ontology, its inferred closure, and the dataset queries run on."""

    asserted: Graph
    inferred: Graph
    dataset: Dataset
    files: tuple[Path, ...]

    def serialize(
        self, fmt: RdfFormat = RdfFormat.TURTLE, *, include_inferred: bool = False
    ) -> str:
        """The ontology in ``fmt``."""
        graph = Graph(namespace_manager=self.asserted.namespace_manager)
        graph += self.asserted
        if include_inferred:
            graph += self.inferred
        return graph.serialize(format=SERIALIZATIONS[fmt])


def ontology_files(ontology_dir: Path) -> tuple[Path, ...]:
    """The Turtle files of the ontology, found by scanning the folder."""
    files = tuple(sorted(ontology_dir.glob("*.ttl")))
    if not files:
        raise DataFileError(ontology_dir, "no ontology files (*.ttl) found")
    return files


def parse_files(files: Iterable[Path]) -> Graph:
    """Parse Turtle files into one graph; a syntax error names the file and line."""
    graph = Graph()
    for path in files:
        try:
            graph.parse(path, format="turtle")
        except UnicodeDecodeError as exc:
            raise DataFileError(path, f"is not UTF-8 text: {exc}") from exc
        except (SyntaxError, ValueError) as exc:
            # rdflib's Turtle parser raises BadSyntax (a SyntaxError) naming the line.
            raise DataFileError(path, f"not valid Turtle: {exc}") from exc
        except OSError as exc:
            raise DataFileError(path, f"cannot be read: {exc}") from exc
    return graph


def owl_rl_closure(asserted: Graph) -> Graph:
    """``asserted`` and everything the OWL 2 RL rules derive from it (generalized RDF)."""
    closure = Graph(namespace_manager=asserted.namespace_manager)
    closure += asserted
    owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False
    ).expand(closure)
    return closure


def inferred_triples(closure: Graph, asserted: Graph) -> Graph:
    """What the closure adds to ``asserted``, as RDF.

    owlrl works on generalized RDF and derives triples with a literal subject, which no RDF
    syntax can carry; those are dropped (after :func:`consistency_problems` has judged them),
    as is ``x owl:sameAs x`` (rule eq-ref), true of every term and telling nothing.
    """
    inferred = Graph(namespace_manager=asserted.namespace_manager)
    for s, p, o in closure - asserted:
        if isinstance(s, Literal) or (p == OWL.sameAs and s == o):
            continue
        inferred.add((s, p, o))
    return inferred


def consistency_problems(closure: Graph) -> list[str]:
    """Contradictions in an OWL 2 RL closure, each as a sentence.

    - a member of owl:Nothing (e.g. of two disjoint classes);
    - a clash owlrl reports (e.g. owl:sameAs between owl:AllDifferent members);
    - two different literal values made the same, as a functional property with two values
      does (rule prp-fp gives ``"1" owl:sameAs "7"``);
    - an ill-typed literal (``"abc"^^xsd:integer``), which OWL 2 RL would reject had owlrl's
      datatype axioms been on (they are off: they add thousands of triples).
    """
    problems = [
        f"{node} is a member of owl:Nothing" for node in closure.subjects(RDF.type, OWL.Nothing)
    ]
    problems += sorted(str(message) for message in closure.objects(None, OWLRL_ERRORS.error))
    for s, o in closure.subject_objects(OWL.sameAs):
        if isinstance(s, Literal) and isinstance(o, Literal) and not s.eq(o):
            problems.append(f"two different values are made the same: {s.n3()} and {o.n3()}")
    for s, p, o in closure:
        if isinstance(o, Literal) and o.ill_typed:
            problems.append(f"{o.n3()} is not a valid {o.datatype} (on {s} {p})")
    return sorted(set(problems))


def load_methodology(ontology_dir: Path) -> Methodology:
    """Parse the ontology folder, compute its closure once, and check it is consistent."""
    files = ontology_files(ontology_dir)
    asserted = parse_files(files)
    closure = owl_rl_closure(asserted)
    problems = consistency_problems(closure)
    if problems:
        raise InconsistentOntologyError(problems)
    inferred = inferred_triples(closure, asserted)
    dataset = Dataset(default_union=True)
    dataset.namespace_manager = asserted.namespace_manager
    asserted_graph = dataset.graph(ASSERTED_GRAPH)
    asserted_graph += asserted
    inferred_graph = dataset.graph(INFERRED_GRAPH)
    inferred_graph += inferred
    return Methodology(asserted=asserted, inferred=inferred, dataset=dataset, files=files)
