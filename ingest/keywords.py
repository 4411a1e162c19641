"""The keyword index's pure core: the words a passage is indexed under, and BM25.

The store keeps each passage's words in SQLite FTS5 (tokenizer unicode61) and the number
of passages holding each word. A search over all reports ranks with FTS5's own bm25();
a search scoped to a few reports reads only their passages and ranks them here with the
same formula and the same corpus statistics, so its cost does not grow with the corpus.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from .text import search_tokens

K1 = 1.2  # FTS5's bm25() defaults
B = 0.75
_WORD = re.compile(r"[^\W_]+")  # what FTS5's unicode61 tokenizer keeps as one token


def index_words(tokens: Sequence[str]) -> list[str]:
    """Search tokens as FTS5 splits them (3.5 -> 3, 5): the index and the scoring agree."""
    return [word for token in tokens for word in _WORD.findall(token)]


def passage_words(text: str) -> list[str]:
    return index_words(search_tokens(text))


@dataclass(frozen=True)
class CorpusStats:
    passages: int
    words: int  # all indexed words of all passages
    holding: Mapping[str, int]  # word -> passages holding it

    def idf(self, word: str) -> float:
        """FTS5's idf: log((N - n + 0.5) / (n + 0.5)), never below a small positive floor."""
        n = self.holding.get(word, 0)
        value = math.log((self.passages - n + 0.5) / (n + 0.5)) if self.passages else 0.0
        return value if value > 0 else 1e-6


def bm25(query: Sequence[str], documents: Sequence[Sequence[str]], stats: CorpusStats) -> list[float]:
    """BM25 of each document (its indexed words) for the query's distinct words, as FTS5
    computes it (higher is better; 0 when no query word occurs)."""
    words = list(dict.fromkeys(query))
    average = stats.words / stats.passages if stats.passages else 1.0
    idf = {w: stats.idf(w) for w in words}
    scores = []
    for document in documents:
        counts = Counter(document)
        norm = K1 * (1 - B + B * len(document) / average)
        scores.append(sum(idf[w] * counts[w] * (K1 + 1) / (counts[w] + norm) for w in words if counts[w]))
    return scores
