"""A reader for the methodology's source text (MCEM.md), for the coverage tests.

It turns the Markdown into blocks (tables, lists, paragraphs, quotes), each with the headings
it stands under and, for lists, the paragraph that introduces it, so a test can say "the
ordered list under 'ATU (AE/ATS) Responsibilities'" and compare every item with the graph.
Formatting (bold, emoji) is dropped: the graph holds the words.
"""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from markdown_it import MarkdownIt
from markdown_it.token import Token

REPOSITORY = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = REPOSITORY.parent / "shared" / "methodology" / "MCEM.md"


def source_path() -> Path:
    """Where MCEM.md is: ``$MCEM_SOURCE``, or ``shared/`` beside the checkout."""
    return Path(os.environ.get("MCEM_SOURCE", DEFAULT_SOURCE))


def plain(text: str) -> str:
    """Text without emoji and with single spaces."""
    kept = "".join(
        ch for ch in text if unicodedata.category(ch) != "So" and ch not in "\ufe0f\u200d"
    )
    return " ".join(kept.split())


@dataclass
class Block:
    kind: str  # "table", "bullets", "ordered", "paragraph", "quote"
    headings: tuple[str, ...]
    intro: str = ""
    text: str = ""
    items: list[str] = field(default_factory=list)
    rows: list[dict[str, str]] = field(default_factory=list)

    def under(self, *headings: str) -> bool:
        """True when the block stands under all these headings, in this order."""
        path = iter(self.headings)
        return all(heading in path for heading in headings)


def _inline(token: Token) -> str:
    parts = []
    for child in token.children or []:
        if child.type in {"text", "code_inline"}:
            parts.append(child.content)
        elif child.type in {"softbreak", "hardbreak"}:
            parts.append("\n")
    return "".join(parts)


def _lines(token: Token) -> list[str]:
    return [plain(line) for line in _inline(token).split("\n") if plain(line)]


def parse(text: str) -> list[Block]:
    tokens = MarkdownIt("commonmark").enable("table").parse(text)
    blocks: list[Block] = []
    headings: list[tuple[int, str]] = []
    last_paragraph = ""
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.type == "heading_open":
            level = int(token.tag[1])
            headings = [h for h in headings if h[0] < level]
            headings.append((level, plain(_inline(tokens[i + 1]))))
            last_paragraph = ""
            i += 3
            continue
        path = tuple(h[1] for h in headings)
        if token.type == "table_open":
            end = _close(tokens, i)
            cells = [[plain(_inline(t)) for t in row] for row in _rows(tokens[i:end])]
            header, body = cells[0], cells[1:]
            blocks.append(
                Block("table", path, rows=[dict(zip(header, row, strict=True)) for row in body])
            )
            i = end
        elif token.type in {"bullet_list_open", "ordered_list_open"}:
            end = _close(tokens, i)
            items = [
                plain(_inline(t))
                for t in tokens[i:end]
                if t.type == "inline" and t.level == token.level + 3
            ]
            kind = "bullets" if token.type == "bullet_list_open" else "ordered"
            blocks.append(Block(kind, path, intro=last_paragraph, items=items))
            i = end
        elif token.type == "blockquote_open":
            end = _close(tokens, i)
            paragraphs = [plain(_inline(t)) for t in tokens[i:end] if t.type == "inline"]
            blocks.append(Block("quote", path, items=paragraphs, text=" ".join(paragraphs)))
            i = end
        elif token.type == "paragraph_open":
            inline = tokens[i + 1]
            last_paragraph = plain(_inline(inline))
            blocks.append(Block("paragraph", path, text=last_paragraph, items=_lines(inline)))
            i += 3
        else:
            i += 1
    return blocks


def _close(tokens: list[Token], start: int) -> int:
    """Index just past the token that closes ``tokens[start]``."""
    closing = tokens[start].type.replace("_open", "_close")
    depth = 0
    for j in range(start, len(tokens)):
        if tokens[j].type == tokens[start].type:
            depth += 1
        elif tokens[j].type == closing:
            depth -= 1
            if depth == 0:
                return j + 1
    raise ValueError(f"unclosed {tokens[start].type}")


def _rows(tokens: list[Token]) -> list[list[Token]]:
    rows: list[list[Token]] = []
    for token in tokens:
        if token.type == "tr_open":
            rows.append([])
        elif token.type == "inline" and rows:
            rows[-1].append(token)
    return rows
