"""The text the data speaks: fortune sentences plus grammar sentences and exchanges, split by hash.

A sentence's split is a hash of its normalised words, not of its position, so it never changes
whatever the seed, the pool's size or the order of the sources: a test sentence is a test sentence
in every data set made from this pool, and no seed can leak it into training. The same hash splits
anything else that is spoken (quiz conversations, spoken questions), see `split_of`.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from . import grammar
from .fortunes import FORTUNE_DIRS, fortune_sentences

SPLITS = ("train", "valid", "test")
# Per mille of the hash space: the rest is train.
TEST_SHARE, VALID_SHARE = 50, 30
WORD_LISTS = (Path("/usr/share/dict/american-english"), Path("/usr/share/dict/words"))
WORDS_HINT = "install it with `sudo apt-get install wamerican` (or `make setup`)"
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


class WordListUnavailableError(FileNotFoundError):
    """No system word list; the message says how to install one."""


def normalized(text: str) -> str:
    """Lower-case words only: "Hello, world!" and "hello world" are the same sentence."""
    return " ".join(_WORD.findall(text.lower()))


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def split_of(text: str) -> str:
    """train, valid or test for a text, from a hash of its normalised words."""
    bucket = int(hashlib.sha1(normalized(text).encode()).hexdigest()[:8], 16) % 1000
    if bucket < TEST_SHARE:
        return "test"
    return "valid" if bucket < TEST_SHARE + VALID_SHARE else "train"


@dataclass(frozen=True)
class Sentence:
    text: str
    source: str  # "fortunes/<file>" or "grammar"


@dataclass(frozen=True)
class TextPool:
    sentences: tuple[Sentence, ...]
    exchanges: tuple[tuple[str, str], ...]

    def sentences_in(self, split: str) -> list[Sentence]:
        return [s for s in self.sentences if split_of(s.text) == split]

    def exchanges_in(self, split: str) -> list[tuple[str, str]]:
        return [pair for pair in self.exchanges if split_of(" ".join(pair)) == split]

    def vocabulary(self) -> Counter:
        return Counter(word for s in self.sentences for word in words(s.text))

    def figures(self) -> dict:
        by_split = Counter(split_of(s.text) for s in self.sentences)
        by_source = Counter(s.source.split("/")[0] for s in self.sentences)
        return {"sentences": len(self.sentences), "exchanges": len(self.exchanges),
                "vocabulary": len(self.vocabulary()), "by_split": dict(by_split), "by_source": dict(by_source)}


def _unique(items: Iterable[tuple[str, str]], seen: set[str]) -> list[tuple[str, str]]:
    out = []
    for text, source in items:
        key = normalized(text)
        if key and key not in seen:
            seen.add(key)
            out.append((text, source))
    return out


@lru_cache(maxsize=4)
def build_pool(seed: int = 0, grammar_sentences: int = 30_000, exchanges: int = 8_000,
               fortune_dirs: tuple[Path, ...] = FORTUNE_DIRS) -> TextPool:
    """Every fortune sentence and `grammar_sentences` draws of the grammar, without duplicates;
    `exchanges` question-and-answer pairs for dialogues."""
    seen: set[str] = set()
    fortunes = _unique(((t, f"fortunes/{name}") for t, name in fortune_sentences(fortune_dirs)), seen)
    rng = random.Random(f"pool-{seed}")
    generated = _unique(((t, "grammar") for t in grammar.sentences(rng, grammar_sentences)), seen)
    pairs = list(dict.fromkeys(grammar.exchanges(rng, exchanges)))
    return TextPool(tuple(Sentence(t, s) for t, s in fortunes + generated), tuple(pairs))


@lru_cache(maxsize=1)
def dictionary_words() -> frozenset[str]:
    """Lower-case alphabetic words of the system word list (Debian `wamerican`)."""
    for path in WORD_LISTS:
        if path.is_file():
            return frozenset(w for w in path.read_text(encoding="utf-8", errors="replace").split() if w.isalpha() and w.islower())
    raise WordListUnavailableError(f"no word list found at {', '.join(map(str, WORD_LISTS))}; {WORDS_HINT}")


def common_words(pool: TextPool, min_count: int = 3, lengths: tuple[int, int] = (4, 9)) -> list[str]:
    """Dictionary words the pool uses at least `min_count` times, of 4-9 letters, spelled as the
    dictionary spells them: words worth spelling or picking from. Most used first, so that a word's
    neighbours in the list are about as ordinary as it is (distractors a text-only guess can't tell
    from the answer by how common they are)."""
    known = dictionary_words()
    low, high = lengths
    counts = pool.vocabulary()
    chosen = (w for w, n in counts.items() if n >= min_count and low <= len(w) <= high and w in known)
    return sorted(chosen, key=lambda w: (-counts[w], w))
