"""Configuration: one typed, immutable settings object, read from the environment in one place."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path

ENV_PREFIX = "MCEM_"

# Where records' own IRIs (opportunities, milestones, people) are minted from their ids.
DEFAULT_DATA_NAMESPACE = "https://w3id.org/mcem-kg/data/"


def default_data_root() -> Path:
    """Where ``ontology/``, ``queries/``, ``shapes/`` and ``mappings/`` are.

    An installed wheel carries them under ``mcem_kg/data``; a source checkout (also an
    editable install) has them at the top of the repository, which is their source of truth.
    """
    packaged = Path(__file__).resolve().parent / "data"
    if (packaged / "ontology").is_dir():
        return packaged
    return Path(__file__).resolve().parents[2]


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything mcem-kg can be configured with.

    Each field can be set from the environment as ``MCEM_`` plus its name in capitals
    (``MCEM_SHAPES_DIR``, ``MCEM_HOLIDAYS``, ...).
    """

    ontology_dir: Path
    queries_dir: Path
    shapes_dir: Path
    mappings_dir: Path
    data_namespace: str = DEFAULT_DATA_NAMESPACE
    # Holidays that are not business days: a country code of the `holidays` package ("US",
    # "DE", "US-CA" for a subdivision) or a file with one YYYY-MM-DD date per line.
    holidays: str | None = None

    @classmethod
    def defaults(cls) -> Settings:
        root = default_data_root()
        return cls(
            ontology_dir=root / "ontology",
            queries_dir=root / "queries",
            shapes_dir=root / "shapes",
            mappings_dir=root / "mappings",
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Defaults, overridden by ``MCEM_<FIELD>`` variables."""
        env = os.environ if environ is None else environ
        settings = cls.defaults()
        for field in fields(cls):
            raw = env.get(f"{ENV_PREFIX}{field.name.upper()}")
            if raw is None:
                continue
            value: Path | str = Path(raw) if field.name.endswith("_dir") else raw
            settings = replace(settings, **{field.name: value})  # type: ignore[arg-type]
        return settings
