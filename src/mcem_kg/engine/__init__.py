"""Validation in the store: the shapes compiled to SPARQL (:mod:`.compiler`, with
:mod:`.core` and :mod:`.sparql`), run over all stored opportunities at once (:mod:`.run`),
and pySHACL for what the compiler leaves aside (:mod:`.fallback`)."""
