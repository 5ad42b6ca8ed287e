"""Named queries: ``queries/NAME.rq`` files, discovered by scanning, each with a header.

The header is a block of ``#+`` comment lines holding YAML, in the style of grlc's
decorators (https://github.com/CLARIAH/grlc#decorator-syntax)::

    #+ summary: Lead and supporting roles of each stage
    #+ description: >
    #+   Longer text.
    #+ params:
    #+   - name: stage
    #+     type: mcem:Stage
    #+     required: false
    #+     description: Stage number, label or IRI

A parameter ``NAME`` is bound to the query variable ``?_NAME`` (grlc's convention) through
rdflib's ``initBindings``, never by editing the query text. Its ``type`` is a class (the value
must name an instance of it) or an XSD datatype (the value becomes a literal of it); prefixed
names use the query's own PREFIX declarations.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pyparsing import ParseException
from rdflib import URIRef, Variable
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.algebra import traverse
from rdflib.plugins.sparql.sparql import Query

from mcem_kg.errors import DataFileError, UnknownQueryError

HEADER_MARK = "#+"
PARAMETER_PREFIX = "_"
HEADER_KEYS = {"summary", "description", "params"}
PARAM_KEYS = {"name", "type", "required", "description", "default"}


@dataclass(frozen=True, slots=True)
class Parameter:
    """One declared parameter of a named query."""

    name: str
    type: str
    type_iri: URIRef
    required: bool
    description: str
    default: str | None = None

    @property
    def variable(self) -> Variable:
        return Variable(PARAMETER_PREFIX + self.name)


@dataclass(frozen=True, slots=True)
class NamedQuery:
    """A parsed and prepared ``.rq`` file."""

    name: str
    path: Path
    summary: str
    description: str
    parameters: tuple[Parameter, ...]
    text: str
    prepared: Query

    def parameter(self, name: str) -> Parameter | None:
        return next((p for p in self.parameters if p.name == name), None)


class QueryRegistry:
    """The named queries of a folder, by name."""

    def __init__(self, queries: Mapping[str, NamedQuery]) -> None:
        self._queries = dict(sorted(queries.items()))

    @classmethod
    def scan(cls, queries_dir: Path) -> QueryRegistry:
        """Load every ``*.rq`` file of the folder; the file stem is the query's name."""
        paths = sorted(queries_dir.glob("*.rq"))
        if not paths:
            raise DataFileError(queries_dir, "no named queries (*.rq) found")
        return cls({path.stem: load_query(path) for path in paths})

    def __iter__(self) -> Iterator[NamedQuery]:
        return iter(self._queries.values())

    def __len__(self) -> int:
        return len(self._queries)

    def __contains__(self, name: object) -> bool:
        return name in self._queries

    @property
    def names(self) -> list[str]:
        return list(self._queries)

    def get(self, name: str) -> NamedQuery:
        try:
            return self._queries[name]
        except KeyError:
            raise UnknownQueryError(name, self.names) from None


def split_header(text: str) -> tuple[str, str]:
    """The YAML of the leading ``#+`` lines, and the rest of the file."""
    lines = text.splitlines(keepends=True)
    header: list[str] = []
    for line in lines:
        if not line.startswith(HEADER_MARK):
            break
        header.append(line[len(HEADER_MARK) :].removeprefix(" "))
    return "".join(header), "".join(lines[len(header) :])


def load_query(path: Path) -> NamedQuery:
    """Read, check and prepare one named query file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise DataFileError(path, f"cannot be read: {exc}") from exc
    except UnicodeDecodeError as exc:
        raise DataFileError(path, f"is not UTF-8 text: {exc}") from exc
    header_text, _ = split_header(text)
    header = _parse_header(path, header_text)
    try:
        prepared = prepareQuery(text)
    except ParseException as exc:
        raise DataFileError(path, f"not valid SPARQL at line {exc.lineno}: {exc.msg}") from exc
    except Exception as exc:
        # rdflib raises plain Exceptions for, e.g., an undeclared prefix.
        raise DataFileError(path, f"not valid SPARQL: {exc}") from exc
    parameters = tuple(
        _parameter(path, prepared, spec) for spec in _list(path, header.get("params", []))
    )
    _check_parameters_match_variables(path, prepared, parameters)
    return NamedQuery(
        name=path.stem,
        path=path,
        summary=_text(path, header, "summary", required=True),
        description=_text(path, header, "description", required=False),
        parameters=parameters,
        text=text,
        prepared=prepared,
    )


def _parse_header(path: Path, header_text: str) -> dict[str, Any]:
    if not header_text.strip():
        raise DataFileError(
            path, f"has no header: start the file with '{HEADER_MARK} summary: ...'"
        )
    try:
        header = yaml.safe_load(header_text)
    except yaml.YAMLError as exc:
        raise DataFileError(path, f"header is not valid YAML: {exc}") from exc
    if not isinstance(header, dict):
        raise DataFileError(path, "header must be a mapping of 'summary', 'description', 'params'")
    unknown = set(header) - HEADER_KEYS
    if unknown:
        raise DataFileError(
            path, f"unknown header keys {sorted(unknown)}; allowed: {sorted(HEADER_KEYS)}"
        )
    return header


def _text(path: Path, mapping: Mapping[str, Any], key: str, *, required: bool) -> str:
    value = mapping.get(key)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise DataFileError(path, f"header needs a non-empty text '{key}'")
    return " ".join(value.split())


def _list(path: Path, value: Any) -> list[Mapping[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise DataFileError(path, "'params' must be a list of mappings")
    return value


def _parameter(path: Path, prepared: Query, spec: Mapping[str, Any]) -> Parameter:
    unknown = set(spec) - PARAM_KEYS
    if unknown:
        raise DataFileError(
            path, f"unknown parameter keys {sorted(unknown)}; allowed: {sorted(PARAM_KEYS)}"
        )
    name = _text(path, spec, "name", required=True)
    type_name = _text(path, spec, "type", required=True)
    required = spec.get("required", False)
    if not isinstance(required, bool):
        raise DataFileError(path, f"parameter {name!r}: 'required' must be true or false")
    default = spec.get("default")
    return Parameter(
        name=name,
        type=type_name,
        type_iri=_expand(path, prepared, type_name),
        required=required,
        description=_text(path, spec, "description", required=True),
        default=None if default is None else str(default),
    )


def _expand(path: Path, prepared: Query, name: str) -> URIRef:
    """A prefixed name or ``<IRI>`` expanded with the query's own prologue."""
    if name.startswith("<") and name.endswith(">"):
        return URIRef(name[1:-1])
    prefix, sep, local = name.partition(":")
    namespace = prepared.prologue.namespace_manager.store.namespace(prefix) if sep else None
    if namespace is None:
        raise DataFileError(
            path, f"parameter type {name!r}: no PREFIX {prefix!r} declared in the query"
        )
    return URIRef(namespace + local)


def query_variables(prepared: Query) -> set[Variable]:
    """Every variable of the query's algebra."""
    found: set[Variable] = set()

    def visit(node: Any) -> None:
        if isinstance(node, Variable):
            found.add(node)

    traverse(prepared.algebra, visitPost=visit)
    return found


def _is_parameter_variable(variable: Variable) -> bool:
    # rdflib names its own helper variables "__agg_1__" and the like.
    return variable.startswith(PARAMETER_PREFIX) and not variable.startswith("__")


def _check_parameters_match_variables(
    path: Path, prepared: Query, parameters: tuple[Parameter, ...]
) -> None:
    declared = {p.variable for p in parameters}
    used = {v for v in query_variables(prepared) if _is_parameter_variable(v)}
    if declared - used:
        names = sorted(f"?{v}" for v in declared - used)
        raise DataFileError(path, f"declared parameters not used in the query: {names}")
    if used - declared:
        names = sorted(f"?{v}" for v in used - declared)
        raise DataFileError(
            path, f"variables {names} look like parameters but are not declared in the header"
        )
