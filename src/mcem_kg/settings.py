"""Configuration: one typed, immutable settings object, read from the environment in one place."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from mcem_kg.errors import InvalidInputError

ENV_PREFIX = "MCEM_"

# Where records' own IRIs (opportunities, milestones, people) are minted from their ids.
DEFAULT_DATA_NAMESPACE = "https://w3id.org/mcem-kg/data/"
# Where the service's own named graphs are named (the methodology, its closure, the shapes).
DEFAULT_GRAPH_NAMESPACE = "https://w3id.org/mcem-kg/graph/"


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
    (``MCEM_SHAPES_DIR``, ``MCEM_TOKEN``, ``MCEM_QUERY_TIMEOUT``, ...). A list field takes
    comma-separated values; a flag takes ``true``/``false``.
    """

    ontology_dir: Path
    queries_dir: Path
    shapes_dir: Path
    mappings_dir: Path
    data_namespace: str = DEFAULT_DATA_NAMESPACE
    graph_namespace: str = DEFAULT_GRAPH_NAMESPACE
    # Holidays that are not business days: a country code of the `holidays` package ("US",
    # "DE", "US-CA" for a subdivision) or a file with one YYYY-MM-DD date per line.
    holidays: str | None = None

    # --- the service -------------------------------------------------------------------
    host: str = "127.0.0.1"
    port: int = 8000
    # The on-disk store; ``memory`` puts it in a temporary folder removed at exit instead.
    store_dir: Path = Path("var/store")
    memory: bool = False
    # Files loaded into an empty store on its first start (plain JSON, Turtle, CSV, ...).
    seed_files: tuple[Path, ...] = ()
    # Bearer token that writes (SPARQL Update, Graph Store writes, opportunity writes) need;
    # without one, the service is read-only.
    token: str | None = None
    # Seconds a query may run before it is stopped and answered with 503.
    query_timeout: float = 30.0
    # Bytes a query result may have before it is cut off and refused.
    result_limit: int = 64 * 1024 * 1024
    # Bytes a request body may have (413 beyond).
    body_limit: int = 32 * 1024 * 1024
    # Origins browsers may call from (CORS); empty: none.
    cors_origins: tuple[str, ...] = ()
    # Refuse opportunity writes whose data has Violations (transactional validation).
    guard: bool = False
    # Where the service is reached, for the Service Description and the methodology's IRIs
    # it serves (dereferenced when they sit under this base).
    public_base: str | None = None

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
        """Defaults, overridden by ``MCEM_<FIELD>`` variables; a value of the wrong type is
        an :class:`InvalidInputError` naming the variable and what it takes."""
        env = os.environ if environ is None else environ
        defaults = cls.defaults()
        values: dict[str, object] = {}
        for item in fields(cls):
            name = f"{ENV_PREFIX}{item.name.upper()}"
            raw = env.get(name)
            if raw is None:
                values[item.name] = getattr(defaults, item.name)
            else:
                values[item.name] = _parse(name, item.type, raw)
        return cls(**values)  # type: ignore[arg-type]


def _parse(name: str, annotation: object, raw: str) -> object:
    """One environment value, typed by the field's annotation (pydantic's lax parsing)."""
    kind = _ANNOTATIONS.get(str(annotation), str)
    value: object = raw
    if kind is tuple:
        value = tuple(part.strip() for part in raw.split(",") if part.strip())
    elif raw.strip() == "" and "None" in str(annotation):
        return None
    try:
        return TypeAdapter(_TYPES[str(annotation)]).validate_python(value)
    except ValidationError as exc:
        expected = exc.errors()[0]["msg"]
        raise InvalidInputError(f"environment variable {name}={raw!r}: {expected}") from exc


# The annotations of the fields as strings (``from __future__ import annotations``).
_TYPES: dict[str, Any] = {
    "Path": Path,
    "str": str,
    "str | None": str | None,
    "int": int,
    "float": float,
    "bool": bool,
    "tuple[Path, ...]": tuple[Path, ...],
    "tuple[str, ...]": tuple[str, ...],
}
_ANNOTATIONS: dict[str, type] = {
    "tuple[Path, ...]": tuple,
    "tuple[str, ...]": tuple,
}
