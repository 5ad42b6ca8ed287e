"""Configuration: one typed, immutable settings object, read from the environment in one place."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

ENV_PREFIX = "MCEM_"


def default_data_root() -> Path:
    """Where ``ontology/`` and ``queries/`` are.

    An installed wheel carries them under ``mcem_kg/data``; a source checkout (also an
    editable install) has them at the top of the repository, which is their source of truth.
    """
    packaged = Path(__file__).resolve().parent / "data"
    if (packaged / "ontology").is_dir():
        return packaged
    return Path(__file__).resolve().parents[2]


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything mcem-kg can be configured with."""

    ontology_dir: Path
    queries_dir: Path

    @classmethod
    def defaults(cls) -> Settings:
        root = default_data_root()
        return cls(ontology_dir=root / "ontology", queries_dir=root / "queries")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Defaults, overridden by ``MCEM_ONTOLOGY_DIR`` and ``MCEM_QUERIES_DIR``."""
        env = os.environ if environ is None else environ
        base = cls.defaults()
        return cls(
            ontology_dir=Path(env.get(f"{ENV_PREFIX}ONTOLOGY_DIR", base.ontology_dir)),
            queries_dir=Path(env.get(f"{ENV_PREFIX}QUERIES_DIR", base.queries_dir)),
        )
