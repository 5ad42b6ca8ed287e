"""Validating input files in the store, by the compiled shapes: what ``mcem validate`` does.

The inputs go into a scratch store in memory, with the methodology, the way a service stores
them (one graph per opportunity and its entailed graph), and the store validates them all at
once (:mod:`mcem_kg.engine`). Plain records take the bulk path: checked with a compiled JSON
Schema, read into RDF by the store's own JSON-LD parser. RDF inputs are read with rdflib, as
for pySHACL. The report is the one :meth:`OpportunityValidator.validate` gives; a gate check
(``to_stage``) is left to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from mcem_kg.bulk_import import BulkImporter
from mcem_kg.inputs import InputReader, Source, too_deep
from mcem_kg.pipeline import Pipeline
from mcem_kg.records import RecordBatch
from mcem_kg.report import Report
from mcem_kg.store import EmbeddedStore
from mcem_kg.store.layout import GraphNames
from mcem_kg.validation import OpportunityValidator, today


def validate_sources(
    validator: OpportunityValidator,
    inputs: InputReader,
    sources: Sequence[Source],
    as_of: date | None = None,
    *,
    names: GraphNames | None = None,
) -> Report:
    """Read ``sources`` (nothing is judged if one is unreadable) and validate them in a
    scratch store as of ``as_of`` (default today, UTC)."""
    day = as_of or today()
    with too_deep(sources):
        plain, rdf = inputs.split(sources)
    store = EmbeddedStore(None)
    try:
        pipeline = Pipeline(store, validator, names=names)
        pipeline.install_methodology()
        if rdf:
            with too_deep(sources):
                batch = inputs.merge(plain, rdf)
            warnings = [*batch.warnings, *validator.screen(batch.graph)]
            if validator.context.deriver.opportunities(batch.graph):
                pipeline.write(RecordBatch(graph=batch.graph, ids=batch.ids))
        else:
            importer = BulkImporter(pipeline)
            seen: set[str] = set()
            batches = [
                b for name, records in plain for b in importer.read(records, name, seen=seen)
            ]
            warnings = [w for b in batches for w in b.warnings]
            importer.load(batches, as_of=day)
        report = pipeline.engine.validate(store, pipeline.stored_graphs, day)
    finally:
        store.close()
    return replace(report, warnings=warnings)
