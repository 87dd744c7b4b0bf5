"""The search-box syntax of watches and `newsmon search`, turned into an OpenSearch query over title + body.

Syntax (like a web search box):

- ``banjir jakarta``        every word must match (in the title or the body)
- ``"gencatan senjata"``    an exact phrase: these words, in this order
- ``rusia OR ukraina``      either side may match; OR binds tighter than the implicit AND, so
                            ``gaza israel OR iran`` means gaza AND (israel OR iran)
- ``-sepakbola``            the word (or ``-"phrase"``, or ``-(a OR b)``) must not match
- ``(a OR b) c``            parentheses group

How a word matches: it matches the same word with case and accents folded ("Jokowi" = "jokowi", "Zelenskyy" ≠
"Zelensky"), OR the same stem in Indonesian or English: "serangan" also finds "menyerang" and "diserang",
"attacks" also finds "attacked". There are no prefixes or wildcards (``*``/``?`` are refused): stemming already
covers word forms, and prefixes would match unrelated words. A phrase matches exact (folded) words in order, never
stems, so a phrase is the way to ask for one precise form. Only title and the clean body are searched; related
links, sidebars and other page chrome are never indexed as body, so they cannot trigger a match.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

# The language-neutral fields (standard tokenizer + lowercase + asciifolding) and their stemmed subfields.
EXACT_FIELDS = ["title", "body"]
STEMMED_FIELDS = ["title.id", "body.id", "title.en", "body.en"]

_TOKEN = re.compile(
    r'\s*(?:(?P<neg>-)?(?:"(?P<phrase>[^"]*)(?P<closed>"?)|(?P<open>\()|(?P<word>[^\s()"]+))|(?P<close>\)))'
)
_SEARCHABLE = re.compile(r"\w")


class QueryError(ValueError):
    """A query that cannot be searched; the message says why, for the person who typed it."""


@dataclass(frozen=True)
class Term:
    text: str
    phrase: bool


@dataclass(frozen=True)
class Not:
    node: Node


@dataclass(frozen=True)
class All:
    nodes: tuple[Node, ...]


@dataclass(frozen=True)
class Any_:
    nodes: tuple[Node, ...]


Node = Term | Not | All | Any_


def parse(text: str) -> Node:
    """Parse search-box text into a tree; raise QueryError with a readable reason when it makes no sense."""
    tokens = _tokenize(text)
    if not tokens:
        raise QueryError('the query is empty: give at least one word or "phrase"')
    parser = _Parser(tokens)
    node = parser.expression()
    if parser.position < len(tokens):
        raise QueryError("unbalanced parentheses: a ')' has no matching '('")
    return node


def to_query(text: str) -> dict[str, Any]:
    """The OpenSearch query for search-box `text` over title + body (see the module docstring for the rules)."""
    return _compile(parse(text))


def has_positive_term(node: Node) -> bool:
    """True when every match needs some word or phrase present, which is what lets the percolator pre-filter."""
    if isinstance(node, Term):
        return True
    if isinstance(node, Not):
        return False
    if isinstance(node, All):
        return any(has_positive_term(n) for n in node.nodes)
    return all(has_positive_term(n) for n in node.nodes)


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    text = text.strip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if not match or match.end() == position:
            raise QueryError(f"cannot read the query near {text[position : position + 20]!r}")
        position = match.end()
        if match["neg"]:
            tokens.append(("not", "-"))
        if match["phrase"] is not None:
            if not match["closed"]:
                raise QueryError('a quote is not closed: put a " after the phrase')
            tokens.append(("phrase", _searchable(match["phrase"], "the phrase")))
        elif match["open"]:
            tokens.append(("open", "("))
        elif match["close"]:
            tokens.append(("close", ")"))
        elif match["word"] in ("OR", "|"):
            tokens.append(("or", "OR"))
        elif match["word"] != "AND":  # AND is what juxtaposition means already
            tokens.append(("word", _searchable(match["word"], "the word")))
    return tokens


def _searchable(text: str, what: str) -> str:
    if "*" in text or "?" in text:
        raise QueryError(f"{what} {text!r} has a wildcard: wildcards are not supported (words match their stem)")
    if not _SEARCHABLE.search(text):
        raise QueryError(f"{what} {text!r} has no letters or digits to search for")
    return text


class _Parser:
    """expression := group (OR group)* ... with implicit AND between units; OR binds tighter than AND."""

    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens, self.position = tokens, 0

    def _peek(self) -> str | None:
        return self.tokens[self.position][0] if self.position < len(self.tokens) else None

    def expression(self) -> Node:
        parts = []
        while self._peek() not in (None, "close"):
            parts.append(self._alternatives())
        if not parts:
            raise QueryError("empty parentheses: put words inside ( )")
        return parts[0] if len(parts) == 1 else All(tuple(parts))

    def _alternatives(self) -> Node:
        options = [self._unit()]
        while self._peek() == "or":
            self.position += 1
            if self._peek() in (None, "close", "or"):
                raise QueryError("OR needs a word or phrase on both sides")
            options.append(self._unit())
        return options[0] if len(options) == 1 else Any_(tuple(options))

    def _unit(self) -> Node:
        kind, value = self.tokens[self.position]
        self.position += 1
        if kind == "not":
            if self._peek() in (None, "close", "or", "not"):
                raise QueryError("'-' must be followed by the word, phrase or (group) to exclude")
            return Not(self._unit())
        if kind == "open":
            node = self.expression()
            if self._peek() != "close":
                raise QueryError("unbalanced parentheses: a '(' is not closed")
            self.position += 1
            return node
        if kind == "or":
            raise QueryError("OR needs a word or phrase on both sides")
        if kind == "close":
            raise QueryError("unbalanced parentheses: a ')' has no matching '('")
        return Term(value, phrase=kind == "phrase")


def _compile(node: Node) -> dict[str, Any]:
    if isinstance(node, Term):
        if node.phrase:
            return {"multi_match": {"query": node.text, "type": "phrase", "fields": EXACT_FIELDS}}
        # A "word" like COVID-19 is several tokens; all of them must be in the same field.
        return {"multi_match": {"query": node.text, "fields": EXACT_FIELDS + STEMMED_FIELDS, "operator": "and"}}
    if isinstance(node, Not):
        return {"bool": {"must_not": [_compile(node.node)]}}
    if isinstance(node, All):
        positive = [_compile(n) for n in node.nodes if not isinstance(n, Not)]
        negative = [_compile(n.node) for n in node.nodes if isinstance(n, Not)]
        query: dict[str, Any] = {"bool": {}}
        if positive:
            query["bool"]["must"] = positive
        if negative:
            query["bool"]["must_not"] = negative
        return query
    return {"bool": {"should": [_compile(n) for n in node.nodes], "minimum_should_match": 1}}
