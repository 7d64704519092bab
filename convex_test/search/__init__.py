"""Full-text (BM25) and vector (cosine) search indexes, self-contained for the engine.

:class:`TextIndex` and :class:`VectorIndex` hold one index each; the engine feeds them
every document write (``remove(old)`` then ``add(new)``) and asks them for ranked ids.
"""

from convex_test.search.text import TextIndex, tokenize
from convex_test.search.vector import VectorFilterBuilder, VectorFilterExpression, VectorIndex

__all__ = [
    "TextIndex",
    "VectorFilterBuilder",
    "VectorFilterExpression",
    "VectorIndex",
    "tokenize",
]
