"""Settings: defaults that find the data files, overridden from the environment."""

from __future__ import annotations

from pathlib import Path

import pytest

from mcem_kg import InvalidInputError, Settings


def test_defaults_find_the_data_folders() -> None:
    settings = Settings.defaults()
    assert sorted(settings.ontology_dir.glob("*.ttl"))
    assert sorted(settings.queries_dir.glob("*.rq"))


def test_environment_overrides(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {"MCEM_ONTOLOGY_DIR": str(tmp_path / "o"), "MCEM_QUERIES_DIR": str(tmp_path / "q")}
    )
    defaults = Settings.defaults()
    assert settings.ontology_dir == tmp_path / "o"
    assert settings.queries_dir == tmp_path / "q"
    assert settings.shapes_dir == defaults.shapes_dir


def test_environment_sets_every_field(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "MCEM_SHAPES_DIR": str(tmp_path / "s"),
            "MCEM_MAPPINGS_DIR": str(tmp_path / "m"),
            "MCEM_DATA_NAMESPACE": "urn:example:",
            "MCEM_HOLIDAYS": "US",
        }
    )
    assert settings.shapes_dir == tmp_path / "s"
    assert settings.mappings_dir == tmp_path / "m"
    assert settings.data_namespace == "urn:example:"
    assert settings.holidays == "US"


def test_empty_environment_gives_the_defaults() -> None:
    assert Settings.from_env({}) == Settings.defaults()


def test_service_fields_are_typed_from_the_environment(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "MCEM_PORT": "9001",
            "MCEM_MEMORY": "true",
            "MCEM_QUERY_TIMEOUT": "2.5",
            "MCEM_CORS_ORIGINS": "http://a.example, http://b.example",
            "MCEM_SEED_FILES": f"{tmp_path / 'a.json'},{tmp_path / 'b.csv'}",
            "MCEM_STORE_DIR": str(tmp_path / "store"),
            "MCEM_TOKEN": "secret",
        }
    )
    assert settings.port == 9001
    assert settings.memory is True
    assert settings.query_timeout == 2.5
    assert settings.cors_origins == ("http://a.example", "http://b.example")
    assert settings.seed_files == (tmp_path / "a.json", tmp_path / "b.csv")
    assert settings.store_dir == tmp_path / "store"
    assert settings.token == "secret"


@pytest.mark.parametrize(
    ("name", "value"),
    [("MCEM_PORT", "eighty"), ("MCEM_MEMORY", "perhaps"), ("MCEM_QUERY_TIMEOUT", "soon")],
)
def test_a_badly_typed_variable_is_named(name: str, value: str) -> None:
    with pytest.raises(InvalidInputError, match=f"{name}={value!r}"):
        Settings.from_env({name: value})
