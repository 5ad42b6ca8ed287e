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
focus set) and X is not empty; Q is rewritten the same way, inside. A group with anything else
(OPTIONAL, UNION, BIND, a nested group, EXISTS, blank nodes) is left as it is, which is
correct, only slower.
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


def _render(group: _Group, context: str, bound: set[str]) -> str:
    core = " ".join(group.triples)
    inner = f"{context} {core}"
    known = bound | _variables(core)
    parts = [core, *group.filters]
    for negated, text in group.negated:
        shared = sorted(_variables(text) & known)
        if not shared:
            raise _Kept("a negation sharing no variable with its group")
        body = _render(negated, inner, known)
        parts.append(f"MINUS {{ SELECT DISTINCT {' '.join(shared)} WHERE {{ {inner} {body} }} }}")
    return " ".join(p for p in parts if p)


def _variables(text: str) -> set[str]:
    """The variables of ``text``, each as ``?name``: ``$name`` is the same variable (SPARQL
    1.1, 4.1.3), and a negation shares it with its group whichever way each writes it."""
    return {f"?{name}" for name in _VARIABLE.findall(text)}


def decorrelate(body: str, context: str, bound: set[str]) -> str | None:
    """The group body ``body`` (a query's WHERE group, without braces) with its negations
    decorrelated, given ``context``, a pattern joined before it that binds ``bound``; None
    when the rewrite does not apply (see the module's text)."""
    try:
        group = _parse(_tokens(body))
        if not group.negated:
            return None
        return _render(group, context, bound)
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
