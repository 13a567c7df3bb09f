"""LIX, the Swedish readability index: words per sentence + % of words over six letters.

Under 30 is very easy, 30-40 easy, above 40 harder than participant text
should be. The formula is two counts; a library (textstat) would bring
hyphenation dictionaries we do not need.
"""

from __future__ import annotations

import re

HARD = 40  # above this the convenor is warned
_WORD = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*")
_SENTENCE_END = re.compile(r"[.!?:;]+(?=\s|$)|\n+")


def lix(text: str) -> float:
    """0 for text without words."""
    words = _WORD.findall(text)
    if not words:
        return 0.0
    sentences = sum(1 for part in _SENTENCE_END.split(text) if _WORD.search(part))
    long_words = sum(1 for word in words if len(word) > 6)
    return len(words) / sentences + 100 * long_words / len(words)
