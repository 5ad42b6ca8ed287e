"""Finding the methodology's individuals by code, name or IRI, and naming them back.

Query parameters and records name a stage by number or label, a role by its acronym or name,
a handoff by its code (``ATU-STU``). The index is built once from the methodology graph (its
``skos:notation`` and ``rdfs:label`` values, which in the closure include stage numbers and
every SKOS label), so a new stage or role needs no code.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS


def _key(value: object) -> str:
    return str(value).strip().casefold()


def _first(values: list[str]) -> str | None:
    return min(values) if values else None


@dataclass(frozen=True, slots=True)
class TermIndex:
    """Individuals of each class of the methodology, by code and name (case-insensitive)."""

    by_class: dict[URIRef, dict[str, frozenset[URIRef]]]
    members: dict[URIRef, frozenset[URIRef]]
    codes: dict[URIRef, str]
    names: dict[URIRef, str]

    @classmethod
    def build(cls, graph: Graph) -> TermIndex:
        by_class: dict[URIRef, dict[str, set[URIRef]]] = defaultdict(lambda: defaultdict(set))
        members: dict[URIRef, set[URIRef]] = defaultdict(set)
        for thing, klass in graph.subject_objects(RDF.type):
            if not isinstance(thing, URIRef) or not isinstance(klass, URIRef):
                continue
            members[klass].add(thing)
            for value in [*graph.objects(thing, SKOS.notation), *graph.objects(thing, RDFS.label)]:
                if isinstance(value, Literal):
                    by_class[klass][_key(value)].add(thing)

        def texts(thing: URIRef, predicate: URIRef) -> list[str]:
            return [str(v) for v in graph.objects(thing, predicate) if isinstance(v, Literal)]

        codes: dict[URIRef, str] = {}
        names: dict[URIRef, str] = {}
        for thing in {t for found in members.values() for t in found} | set(members):
            # A stage has its number and no code: the number is its code then.
            code = _first(texts(thing, SKOS.notation))
            name = _first(texts(thing, SKOS.prefLabel)) or _first(texts(thing, RDFS.label))
            if code is not None:
                codes[thing] = code
            if name is not None:
                names[thing] = name
        return cls(
            by_class={
                klass: {key: frozenset(found) for key, found in keyed.items()}
                for klass, keyed in by_class.items()
            },
            members={klass: frozenset(found) for klass, found in members.items()},
            codes=codes,
            names=names,
        )

    def matches(self, klass: URIRef, name: object) -> frozenset[URIRef]:
        """The individuals of ``klass`` with this code, name (any case) or IRI."""
        found = set(self.by_class.get(klass, {}).get(_key(name), frozenset()))
        iri = URIRef(str(name).strip())
        if iri in self.members.get(klass, frozenset()):
            found.add(iri)
        return frozenset(found)

    def find(self, klass: URIRef, name: object) -> URIRef | None:
        """The one individual of ``klass`` with this code, name or IRI, or None."""
        found = self.matches(klass, name)
        return next(iter(found)) if len(found) == 1 else None

    def code(self, thing: URIRef) -> str:
        """The individual's code (or name); its IRI when it has neither."""
        return self.codes.get(thing) or self.names.get(thing) or str(thing)

    def all_codes(self, klass: URIRef) -> list[str]:
        """The codes (or else names) of the individuals of ``klass``, sorted."""
        return sorted(self.code(thing) for thing in self.members.get(klass, frozenset()))

    def choices(self, klass: URIRef) -> list[str]:
        """Each individual of ``klass`` as ``code (name)``, sorted by code, for messages."""
        shown = []
        for thing in self.members.get(klass, frozenset()):
            code, name = self.codes.get(thing), self.names.get(thing)
            both = code is not None and name is not None and code != name
            shown.append((code or name or str(thing), f"{code} ({name})" if both else None))
        return [text or key for key, text in sorted(shown)]

    def label(self, klass: URIRef, default: str) -> str:
        """The class's own name (``role``, ``stage``)."""
        return self.names.get(klass, default)
