"""Helpers of the store tests: opening each kind of store on disk, sample data, and reading
answers back in whichever media type they came in."""

from __future__ import annotations

import csv
import io
import os
import time
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from mcem_kg.media import OFFERS, MediaType
from mcem_kg.store import EmbeddedStore, ProcessStore, Store

KINDS = ("embedded", "process")
EX = "urn:ex:"
P = f"{EX}p"
G1 = "https://example.org/graph/1"
G2 = "https://example.org/graph/2"
G3 = "https://example.org/graph/3"
NT = "application/n-triples"

# A query whose answer is the size of the cube (or a higher power) of the store: it keeps
# Oxigraph busy long past any timeout of the tests, and cannot be cancelled in-process.
ENDLESS_QUERY = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
ENDLESS_UPDATE = (
    "DELETE { GRAPH ?w { ?a ?b ?c } } "
    "WHERE { GRAPH ?w { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l } "
    "FILTER(STRLEN(CONCAT(STR(?c), STR(?f), STR(?i), STR(?l))) > 1000) }"
)
# About a second of work over the 200 triples of ``many``.
SLOW_QUERY = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


def open_kind(kind: str, path: Path, *, timeout: float = 30.0, limit: int = 1 << 20) -> Store:
    """A store of ``kind`` on disk at ``path``."""
    if kind == "embedded":
        return EmbeddedStore(path)
    return ProcessStore(path, timeout=timeout, limit=limit)


def ntriples(triples: Iterable[tuple[str, str, str]]) -> bytes:
    """N-Triples of (subject IRI, predicate IRI, object term in N-Triples) rows."""
    return "".join(f"<{s}> <{p}> {o} .\n" for s, p, o in triples).encode()


def many(count: int, name: str = "s") -> bytes:
    """``count`` triples ``<urn:ex:{name}{i}> <urn:ex:p> "i"``."""
    return ntriples((f"{EX}{name}{i}", P, f'"{i}"') for i in range(count))


def triples(body: bytes, media_type: str = NT) -> set[ox.Triple]:
    fmt = ox.RdfFormat.from_media_type(media_type)
    assert fmt is not None
    return {ox.Triple(q.subject, q.predicate, q.object) for q in ox.parse(body, format=fmt)}


def offer(media_type: str) -> MediaType:
    return next(o for row in OFFERS.values() for o in row if o.media_type == media_type)


def column(body: bytes, media_type: str, variable: str) -> set[str]:
    """The values (IRIs or lexical forms) of ``variable`` in a solutions answer."""
    media = offer(media_type)
    if media.name == "csv":
        return {row[variable] for row in csv.DictReader(io.StringIO(body.decode()))}
    assert media.results is not None
    solutions = ox.parse_query_results(body, format=media.results)
    assert isinstance(solutions, ox.QuerySolutions)
    values = set()
    for solution in solutions:
        term = solution[variable]
        assert isinstance(term, ox.NamedNode | ox.Literal)
        values.add(term.value)
    return values


def boolean(body: bytes, media_type: str) -> bool:
    media = offer(media_type)
    if media.name == "csv":
        return body.strip() == b"true"
    assert media.results is not None
    answer = ox.parse_query_results(body, format=media.results)
    assert isinstance(answer, ox.QueryBoolean)
    return bool(answer)


def gone(pid: int) -> bool:
    """Whether process ``pid`` has exited: reaped, or a zombie awaiting its parent. A zombie
    leader thread is not enough: the process's files stay open until its last thread ends."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        stats = [task.read_text() for task in Path(f"/proc/{pid}/task").glob("*/stat")]
    except FileNotFoundError:
        return True
    return all(stat.rpartition(")")[2].split()[0] in {"Z", "X"} for stat in stats)


def wait_gone(pid: int, seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not gone(pid):
        assert time.monotonic() < deadline, f"process {pid} is still running"
        time.sleep(0.01)
