"""The namespace of the MCEM ontology, for code that reads or writes its terms.

Only the namespace is here: which stages, roles, units and deadlines exist is read from the
ontology files, never written in code.
"""

from __future__ import annotations

from rdflib import Namespace

MCEM = Namespace("https://w3id.org/mcem-kg/ontology#")
