"""The methodology graph: parsing, OWL 2 RL closure kept apart, consistency, alignments."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from mcem_kg import DataFileError, InconsistentOntologyError, KnowledgeGraph, Settings
from mcem_kg.methodology import (
    SERIALIZATIONS,
    RdfFormat,
    consistency_problems,
    load_methodology,
    parse_files,
)

DATA = Path(__file__).parent / "data"
ONTOLOGY_FILES = sorted(Settings.defaults().ontology_dir.glob("*.ttl"))
INCONSISTENT = sorted((DATA / "inconsistent").glob("*.ttl"))
ONTOLOGY = URIRef("https://w3id.org/mcem-kg/ontology")
ID = Namespace("https://w3id.org/mcem-kg/id/")
MCEM = Namespace("https://w3id.org/mcem-kg/ontology#")
ORG = Namespace("http://www.w3.org/ns/org#")
PROV = Namespace("http://www.w3.org/ns/prov#")
SCHEMA = Namespace("http://schema.org/")
TIME = Namespace("http://www.w3.org/2006/time#")
VANN = Namespace("http://purl.org/vocab/vann/")


@pytest.mark.parametrize("path", ONTOLOGY_FILES, ids=[p.name for p in ONTOLOGY_FILES])
def test_ontology_file_parses_on_its_own(path: Path) -> None:
    assert len(Graph().parse(path, format="turtle")) > 0


def test_closure_is_consistent(kg: KnowledgeGraph) -> None:
    closure = kg.methodology.asserted + kg.methodology.inferred
    assert consistency_problems(closure) == []
    assert not list(closure.subjects(RDF.type, OWL.Nothing))


@pytest.mark.parametrize("clash", INCONSISTENT, ids=[p.stem for p in INCONSISTENT])
def test_a_contradiction_is_reported(settings: Settings, tmp_path: Path, clash: Path) -> None:
    shutil.copytree(settings.ontology_dir, tmp_path, dirs_exist_ok=True)
    shutil.copy(clash, tmp_path / "zz-clash.ttl")
    with pytest.raises(InconsistentOntologyError, match="inconsistent") as info:
        load_methodology(tmp_path)
    assert info.value.problems


def test_inferred_triples_are_kept_apart(kg: KnowledgeGraph, settings: Settings) -> None:
    methodology = kg.methodology
    assert isomorphic(methodology.asserted, parse_files(ONTOLOGY_FILES))
    assert not set(methodology.asserted) & set(methodology.inferred)
    assert len(methodology.inferred) > 0
    assert len(methodology.dataset) == len(methodology.asserted) + len(methodology.inferred)


ENTAILED = [
    (ID["role/AE"], RDF.type, ORG.Role),
    (ID["role/AE"], RDF.type, SKOS.Concept),
    (ID["role/AE"], RDF.type, PROV.Role),
    (ID["unit/ATU"], RDF.type, ORG.OrganizationalUnit),
    (ID["unit/ATU"], RDF.type, PROV.Organization),
    (ID["handoff/atu-stu"], RDF.type, PROV.Activity),
    (ID["handoff/atu-stu-discussion"], RDF.type, PROV.Activity),
    (ID["handoff/atu-stu"], PROV.wasAssociatedWith, ID["unit/STU"]),
    (ID["MCEM"], RDF.type, PROV.Plan),
    (ID["MCEM"], SCHEMA.step, ID["stage/realize-value"]),
    (ID["stage/listen-consult"], SCHEMA.position, Literal(1)),
    (ID["stage/listen-consult"], MCEM.precedes, ID["stage/manage-optimize"]),
    (TIME.unitDay, RDF.type, TIME.TemporalUnit),
    (MCEM.BusinessDays, RDF.type, TIME.TemporalUnit),
    (ID["role/AE"], MCEM.inUnit, ID["unit/ATU"]),
    (ID["role/AE"], RDFS.label, Literal("Account Executive", lang="en")),
    (ID["role/SSP"], RDFS.label, Literal("Specialist", lang="en")),
    (ID["term/MACC"], RDF.type, MCEM.Acronym),
]


@pytest.mark.parametrize("triple", ENTAILED, ids=[f"{t[0].n3()} {t[1].n3()}" for t in ENTAILED])
def test_alignment_entailment(kg: KnowledgeGraph, triple: tuple[URIRef, URIRef, URIRef]) -> None:
    assert triple not in kg.methodology.asserted
    assert triple in kg.methodology.inferred


def test_ontology_is_versioned(kg: KnowledgeGraph) -> None:
    graph = kg.methodology.asserted
    assert graph.value(ONTOLOGY, OWL.versionInfo) is not None
    version_iri = graph.value(ONTOLOGY, OWL.versionIRI)
    assert str(version_iri).startswith(str(ONTOLOGY) + "/")


# Literals that are codes, symbols or IRIs, not English text.
NOT_TEXT = {
    SKOS.notation,
    MCEM.symbol,
    OWL.versionInfo,
    VANN.preferredNamespacePrefix,
    VANN.preferredNamespaceUri,
    DCTERMS.source,
}


def test_every_text_is_english(kg: KnowledgeGraph) -> None:
    texts = [
        (p, o)
        for _, p, o in kg.methodology.asserted
        if isinstance(o, Literal) and o.datatype is None and p not in NOT_TEXT
    ]
    assert len(texts) > 300
    untagged = [(p.n3(), str(o)) for p, o in texts if o.language != "en"]
    assert untagged == []


def test_a_syntax_error_names_the_file_and_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.ttl"
    broken.write_text("@prefix ex: <urn:ex:> .\n\nex:a ex:b ex:c ;\n  ex:d .\n")
    with pytest.raises(DataFileError, match=r"broken\.ttl: not valid Turtle") as info:
        load_methodology(tmp_path)
    assert "line 4" in str(info.value)


def test_an_empty_folder_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="no ontology files"):
        load_methodology(tmp_path)


@pytest.mark.parametrize("fmt", list(RdfFormat))
def test_serialization_round_trips(kg: KnowledgeGraph, fmt: RdfFormat) -> None:
    text = kg.methodology.serialize(fmt)
    parsed = Graph().parse(data=text, format=SERIALIZATIONS[fmt])
    assert isomorphic(parsed, kg.methodology.asserted)
    with_closure = Graph().parse(
        data=kg.methodology.serialize(fmt, include_inferred=True), format=SERIALIZATIONS[fmt]
    )
    assert len(with_closure) == len(kg.methodology.asserted) + len(kg.methodology.inferred)


TERM_KINDS = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)


def test_every_term_is_labelled_and_defined_by_the_ontology(kg: KnowledgeGraph) -> None:
    graph = kg.methodology.asserted
    terms = {
        s
        for kind in TERM_KINDS
        for s in graph.subjects(RDF.type, kind)
        if isinstance(s, URIRef) and s.startswith(str(MCEM))
    }
    assert len(terms) > 50
    for term in sorted(terms):
        assert graph.value(term, RDFS.isDefinedBy) == ONTOLOGY, term
        assert graph.value(term, RDFS.label) is not None, term
