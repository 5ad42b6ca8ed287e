"""A rule the compiler leaves aside is validated by pySHACL in worker processes, beside the
compiled ones, and the report is still pySHACL's own (src/mcem_kg/engine/fallback.py)."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from datetime import date

import pytest

from mcem_kg.generate import generate
from mcem_kg.generate_facts import PipelineFacts
from mcem_kg.inputs import InputFormat, InputReader, Source
from mcem_kg.scratch import validate_sources
from mcem_kg.settings import Settings
from mcem_kg.validation import OpportunityValidator
from tests.cases import DATA

AS_OF = date(2026, 11, 24)
EXTRA = sorted((DATA / "fallback").glob("*.ttl"))


@pytest.fixture(scope="module")
def extended(tmp_path_factory: pytest.TempPathFactory, settings: Settings) -> OpportunityValidator:
    shapes = tmp_path_factory.mktemp("shapes")
    for path in [*settings.shapes_dir.glob("*.ttl"), *EXTRA]:
        shutil.copy(path, shapes / path.name)
    return OpportunityValidator.load(replace(settings, shapes_dir=shapes))


def test_the_extra_rule_is_left_to_pyshacl(extended: OpportunityValidator) -> None:
    uncompiled = extended.context.compiled.uncompiled
    rules = {extended.context.shapes.rule_of_shape[shape].id for shape in uncompiled}
    assert rules == {"test/account-pattern"}
    assert all("pattern" in reason for reason in uncompiled.values())


def test_both_engines_give_one_report(extended: OpportunityValidator, settings: Settings) -> None:
    facts = PipelineFacts.read(extended)
    records = list(generate(40, seed=9, violation_rate=0.5, as_of=AS_OF, facts=facts).records)
    for record in records[::3]:
        record["account"] = str(record.get("account", "x")).lower()
    sources = [Source("records.json", json.dumps(records), InputFormat.JSON)]
    inputs = InputReader.load(extended.reader, settings.mappings_dir)
    reference = extended.validate(inputs.read(sources), AS_OF)
    fast = validate_sources(extended, inputs, sources, AS_OF)
    found = {r.rule for r in fast.results}
    assert "test/account-pattern" in found
    assert len(found) > 2
    assert fast.to_json() == reference.to_json()
