"""Settings: defaults that find the data files, overridden from the environment."""

from __future__ import annotations

from pathlib import Path

from mcem_kg import Settings


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
