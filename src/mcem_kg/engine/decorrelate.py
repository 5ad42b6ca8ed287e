"""Negation without correlation: ``FILTER NOT EXISTS`` rewritten as ``MINUS`` over a
sub-SELECT that carries its context along.

SPARQL evaluates ``FILTER NOT EXISTS { Q }`` once per solution of the group, with that
solution's values put into Q (SPARQL 1.1, 18.6). A store plans Q without knowing those
values, so Q may scan the whole store for each solution: quadratic over a pipeline. The
classic decorrelation evaluates Q once, joined with the patterns that bind the variables it
shares with its group, and removes the solutions that match:

    { K . C  FILTER NOT EXISTS { Q } }
        ==  { K . C  MINUS { SELECT DISTINCT X WHERE { K . C . Q } } }

where K binds the variables of the enclosing groups, C is the group's own triple patterns and
X the variables of Q that K and C bind. The two agree when every variable of X is bound in
every solution on both sides, which holds when K and C are basic graph patterns (plus the
focus set) and X is not empty; Q is rewritten the same way, inside.

The sub-SELECT need not repeat all of K and C: fewer patterns only widen it, and a wider
sub-SELECT removes a solution only when Q matches that solution's values of X, so the answer
is the same. It keeps the patterns that bind the variables of X that Q does not bind itself,
and those that join the parts of Q that share a variable with its group (without them the
sub-SELECT would be a cross product): :func:`_connecting`.

Every triple pattern also becomes a sub-SELECT of its own (:func:`_hashed`), so that the store
evaluates it once and joins by hash: over all focus nodes at once that is much faster than an
index lookup per solution. A group with anything else (OPTIONAL, UNION, BIND, a nested group,
EXISTS, blank nodes) is left as it is, which is correct, only slower.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_TOKENS = re.compile(
    r'(?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""|\'\'\'(?:[^\'\\]|\\.|\'(?!\'\'))*\'\'\''
    r'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\')'
    r"|(?P<iri><[^<>\"{}|^`\\\s]*>)"
    r"|(?P<comment>#[^\n]*)"
    r"|(?P<word>[A-Za-z_][A-Za-z_0-9]*)"
    r"|(?P<char>[\s\S])"
)
# One step of a sequence path that can stand as a predicate: an IRI or prefixed name, maybe
# inverted.
_STEP = re.compile(r"\^?(<[^<>\s]*>|[A-Za-z_][\w.-]*:[\w.-]*)")
_VARIABLE = re.compile(r"[?$]([A-Za-z_0-9]+)")
# Words that make a group more than triple patterns and filters.
_OTHER = frozenset(
    {"OPTIONAL", "MINUS", "UNION", "GRAPH", "BIND", "VALUES", "SERVICE", "SELECT", "EXISTS"}
)


class _Kept(Exception):
    """The group is not one this rewrite is sure about."""


@dataclass(slots=True)
class _Group:
    triples: list[str] = field(default_factory=list)
    filters: list[str] = field(default_factory=list)
    negated: list[tuple[_Group, str]] = field(default_factory=list)


def _tokens(text: str) -> list[tuple[str, str]]:
    found = []
    for match in _TOKENS.finditer(text):
        kind = match.lastgroup or "char"
        if kind != "comment":
            found.append((kind, match.group()))
    return found


def _block(tokens: list[tuple[str, str]], start: int, opening: str, closing: str) -> int:
    """The index just past the bracket closing the one at ``start``."""
    depth = 0
    for index in range(start, len(tokens)):
        kind, text = tokens[index]
        if kind == "char" and text == opening:
            depth += 1
        elif kind == "char" and text == closing:
            depth -= 1
            if depth == 0:
                return index + 1
    raise _Kept("unbalanced brackets")


def _next(tokens: list[tuple[str, str]], index: int) -> int:
    while index < len(tokens) and tokens[index][0] == "char" and tokens[index][1].isspace():
        index += 1
    return index


def _text(tokens: list[tuple[str, str]]) -> str:
    return "".join(text for _kind, text in tokens)


def _parse(tokens: list[tuple[str, str]]) -> _Group:
    """A group's body (without its braces), as triple patterns, filters and negations."""
    group = _Group()
    current: list[tuple[str, str]] = []
    index = 0
    while index < len(tokens):
        kind, text = tokens[index]
        word = text.upper() if kind == "word" else ""
        if word == "FILTER":
            after = _next(tokens, index + 1)
            if tokens[after][1].upper() == "NOT":
                exists = _next(tokens, after + 1)
                opening = _next(tokens, exists + 1)
                if tokens[exists][1].upper() != "EXISTS" or tokens[opening][1] != "{":
                    raise _Kept("NOT without EXISTS")
                end = _block(tokens, opening, "{", "}")
                inner = tokens[opening + 1 : end - 1]
                group.negated.append((_parse(inner), _text(inner)))
            elif tokens[after][1].upper() == "EXISTS":
                raise _Kept("EXISTS")
            else:
                end = after + 1 if tokens[after][0] == "word" else after
                end = _block(tokens, _next(tokens, end), "(", ")")
                group.filters.append("FILTER " + _text(tokens[after:end]))
            index = end
            continue
        if word in _OTHER or (kind == "char" and text in "{}[") or text.startswith("_:"):
            raise _Kept(f"{text} in a negated group")
        current.append((kind, text))
        index += 1
    triples = _text(current).strip()
    if triples:
        group.triples.append(triples if triples.endswith(".") else triples + " .")
    return group


# A pattern of a context: its text and its variables.
_Element = tuple[str, frozenset[str]]


def _render(group: _Group, context: list[_Element], bound: set[str]) -> str:
    """The group's patterns, each evaluated once (:func:`_hashed`), its filters, and each
    negation as a MINUS of a sub-SELECT joined with the patterns of its context it needs
    (:func:`_connecting`)."""
    triples = [t for chunk in group.triples for t in _triples(_tokens(chunk))]
    core: list[_Element] = [(_hashed(t), frozenset(_variables(t))) for t in triples]
    known = bound | {v for _text, names in core for v in names}
    inner = context + core
    parts = [text for text, _names in core] + group.filters
    for negated, text in group.negated:
        shared = sorted(_variables(text) & known)
        if not shared:
            raise _Kept("a negation sharing no variable with its group")
        own = [
            frozenset(_variables(t)) for chunk in negated.triples for t in _triples(_tokens(chunk))
        ]
        needed = _connecting(inner, own, set(shared))
        body = _render(negated, needed, known)
        joined = " ".join(t for t, _names in needed)
        parts.append(f"MINUS {{ SELECT DISTINCT {' '.join(shared)} WHERE {{ {joined} {body} }} }}")
    return " ".join(p for p in parts if p)


def _connecting(
    elements: list[_Element], own: list[frozenset[str]], shared: set[str]
) -> list[_Element]:
    """The fewest patterns of ``elements`` (the context) that bind the ``shared`` variables
    the negation's own patterns ``own`` do not, and join the parts of the negation that share
    no variable: a shortest chain of patterns for each, else a pattern that binds it alone.
    Leaving out the context's other patterns only widens the sub-SELECT, which removes a
    solution only when the negated pattern matches its values, so the result is the same;
    joining what would otherwise be a cross product keeps it affordable."""
    # Parts holding a shared variable were joined through the context; the others (a pattern
    # on constants) are joined by the negation itself, as written.
    parts = [part for part in _components(own) if part & shared]
    start = set(parts[0]) if parts else set()
    chosen: list[int] = []
    for part in parts[1:]:
        chain = _chain(elements, start, part)
        if chain is None:
            raise _Kept("a negation whose parts nothing joins")
        chosen += chain
        start |= part
    bound = set().union(*own) if own else set()
    for variable in sorted(shared - bound):
        chain = _chain(elements, start, {variable}) if start else None
        if chain is None:
            holders = [i for i, (_t, names) in enumerate(elements) if variable in names]
            if not holders:
                raise _Kept(f"nothing binds {variable}")
            chain = [min(holders, key=lambda i: len(elements[i][1]))]
        chosen += chain
    return [elements[i] for i in sorted(set(chosen))]


def _components(patterns: list[frozenset[str]]) -> list[set[str]]:
    """The variables of patterns, grouped by the joins between the patterns."""
    parts: list[set[str]] = []
    for names in patterns:
        joined = [p for p in parts if p & names]
        merged = set(names).union(*joined)
        parts = [p for p in parts if not p & names] + [merged]
    return parts


def _chain(elements: list[_Element], start: set[str], goal: set[str]) -> list[int] | None:
    """The patterns of a shortest join path from ``start`` to a variable of ``goal``
    (breadth first over the variables); None if there is none."""
    reached: dict[str, list[int]] = {v: [] for v in start}
    frontier = list(start)
    while frontier:
        hit = [v for v in frontier if v in goal]
        if hit:
            return reached[hit[0]]
        following = []
        for current in frontier:
            for index, (_text, names) in enumerate(elements):
                if current not in names:
                    continue
                for other in names - reached.keys():
                    reached[other] = [*reached[current], index]
                    following.append(other)
        frontier = following
    return None


def _hashed(triple: str) -> str:
    """A triple pattern in a sub-SELECT of its own: evaluated once over the store and joined
    by hash, rather than looked up once per solution of the patterns before it. For all focus
    nodes at once the first is much faster; for a few, the second. A sequence path is joined
    step by step the same way (SPARQL 1.1, 18.4: a sequence is the join of its steps)."""
    names = _variables(triple)
    if not names:
        return triple
    projected = " ".join(sorted(names))
    subject, predicate, obj = triple.rstrip(" .").split(" ", 2)
    steps = predicate.split("/")
    if len(steps) > 1 and all(_STEP.fullmatch(step) for step in steps):
        ends = [subject, *(f"?step{i}_" for i in range(1, len(steps))), obj]
        joined = " ".join(
            f"{{ SELECT {' '.join(sorted(_variables(f'{a} {b}')))} WHERE {{ {a} {step} {b} }} }}"
            for a, step, b in zip(ends[:-1], steps, ends[1:], strict=True)
        )
        return f"{{ SELECT {projected} WHERE {{ {joined} }} }}"
    return f"{{ SELECT {projected} WHERE {{ {triple} }} }}"


def _terms(tokens: list[tuple[str, str]]) -> list[str]:
    """The terms and separators (``;``, ``,``) of one statement."""
    found: list[str] = []
    current: list[tuple[str, str]] = []
    depth = 0
    for kind, text in tokens:
        if kind == "char" and text in "()":
            depth += 1 if text == "(" else -1
        if depth == 0 and kind == "char" and (text.isspace() or text in ";,"):
            if current:
                found.append(_text(current))
                current = []
            if text in ";,":
                found.append(text)
            continue
        current.append((kind, text))
    if current:
        found.append(_text(current))
    return found


def _triples(tokens: list[tuple[str, str]]) -> list[str]:
    """A basic graph pattern as single triple patterns (``;`` and ``,`` lists expanded)."""
    statements: list[list[tuple[str, str]]] = [[]]
    for index, (kind, text) in enumerate(tokens):
        number = (
            0 < index < len(tokens) - 1
            and tokens[index - 1][1][-1:].isdigit()
            and tokens[index + 1][1][:1].isdigit()
        )
        if kind == "char" and text == "." and not number:
            statements.append([])
        else:
            statements[-1].append((kind, text))
    found = []
    for statement in statements:
        terms = _terms(statement)
        if not terms:
            continue
        subject, rest = terms[0], terms[1:]
        predicate: str | None = None
        expecting = "predicate"
        for term in rest:
            if term == ";":
                expecting = "predicate"
            elif term == ",":
                expecting = "object"
            elif expecting == "predicate":
                predicate, expecting = term, "object"
            elif predicate is not None:
                found.append(f"{subject} {predicate} {term} .")
                expecting = "separator"
            else:
                raise _Kept("a triple pattern without a predicate")
        if expecting != "separator" or predicate is None:
            raise _Kept("an incomplete triple pattern")
    return found


def _variables(text: str) -> set[str]:
    """The variables of ``text``, each as ``?name``: ``$name`` is the same variable (SPARQL
    1.1, 4.1.3), and a negation shares it with its group whichever way each writes it."""
    return {f"?{name}" for name in _VARIABLE.findall(text)}


def decorrelate(body: str, context: str, bound: set[str]) -> str | None:
    """The group body ``body`` (a query's WHERE group, without braces) with its negations
    decorrelated and its triple patterns joined by hash, given ``context``, a pattern joined
    before it that binds ``bound``; None when the rewrite does not apply (see the module's
    text)."""
    try:
        return _render(_parse(_tokens(body)), [(context, frozenset(bound))], bound)
    except (_Kept, IndexError):
        return None


def split_where(text: str) -> tuple[str, str, str] | None:
    """A SELECT's text as (head up to and with the WHERE group's ``{``, the group's body,
    the rest from its ``}``); None if there is no WHERE group."""
    tokens = _tokens_with_comments(text)
    for index, (kind, word) in enumerate(tokens):
        if kind == "word" and word.upper() == "WHERE":
            opening = _next(tokens, index + 1)
            if opening >= len(tokens) or tokens[opening][1] != "{":
                return None
            try:
                end = _block(tokens, opening, "{", "}")
            except _Kept:
                return None
            return (
                _text(tokens[: opening + 1]),
                _text(tokens[opening + 1 : end - 1]),
                _text(tokens[end - 1 :]),
            )
    return None


def _tokens_with_comments(text: str) -> list[tuple[str, str]]:
    return [(m.lastgroup or "char", m.group()) for m in _TOKENS.finditer(text)]
