"""Finding the methodology's individuals by code or name, and naming them back.

Records name a stage by number or label, a role by its acronym, a handoff by its code
(``ATU-STU``). The index is built once from the methodology graph (its ``skos:notation`` and
``rdfs:label`` values, which in the closure include stage numbers and every SKOS label), so a
new stage or role needs no code.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS


def _key(value: object) -> str:
    return str(value).strip().casefold()


@dataclass(frozen=True, slots=True)
class TermIndex:
    """Individuals of each class of the methodology, by code and name (case-insensitive)."""

    by_class: dict[URIRef, dict[str, frozenset[URIRef]]]
    codes: dict[URIRef, str]

    @classmethod
    def build(cls, graph: Graph) -> TermIndex:
        by_class: dict[URIRef, dict[str, set[URIRef]]] = defaultdict(lambda: defaultdict(set))
        codes: dict[URIRef, str] = {}
        for thing, klass in graph.subject_objects(RDF.type):
            if not isinstance(thing, URIRef) or not isinstance(klass, URIRef):
                continue
            names = [*graph.objects(thing, SKOS.notation), *graph.objects(thing, RDFS.label)]
            for name in names:
                if isinstance(name, Literal):
                    by_class[klass][_key(name)].add(thing)
        for thing, code in graph.subject_objects(SKOS.notation):
            if isinstance(thing, URIRef) and isinstance(code, Literal):
                # A stage has its number and no code: the number is its name then.
                codes.setdefault(thing, str(code))
        for thing, label in graph.subject_objects(RDFS.label):
            if isinstance(thing, URIRef) and isinstance(label, Literal):
                codes.setdefault(thing, str(label))
        return cls(
            by_class={
                klass: {key: frozenset(found) for key, found in names.items()}
                for klass, names in by_class.items()
            },
            codes=codes,
        )

    def find(self, klass: URIRef, name: object) -> URIRef | None:
        """The one individual of ``klass`` with this code, name or IRI, or None."""
        names = self.by_class.get(klass, {})
        found = names.get(_key(name), frozenset())
        if len(found) == 1:
            return next(iter(found))
        members = {thing for things in names.values() for thing in things}
        return URIRef(str(name)) if URIRef(str(name)) in members else None

    def names(self, klass: URIRef) -> list[str]:
        """The codes (or else names) of the individuals of ``klass``, sorted, for messages."""
        members = {thing for found in self.by_class.get(klass, {}).values() for thing in found}
        return sorted(self.code(thing) for thing in members)

    def code(self, thing: URIRef) -> str:
        """The individual's code (or name); its IRI when it has neither."""
        return self.codes.get(thing, str(thing))
